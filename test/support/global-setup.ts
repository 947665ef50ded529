import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Process-level tests run the compiled runtime (dist/main.js), exactly what a
 * kiosk runs; build it once before any suite starts so it is never stale.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

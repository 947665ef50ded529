import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Process-level tests run the compiled runtime (dist/main.js), exactly what a
 * kiosk runs; build it once before any suite starts so it is never stale.
 * Type errors do not stop the build here (tsc still emits): `npm run
 * typecheck` in scripts/test.sh is where they fail the run.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) process.stderr.write(`global-setup: tsc reported problems:\n${result.stdout}${result.stderr}\n`);
}

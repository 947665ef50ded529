import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerChallenge, deriveDeviceKey, formatChallenge } from '../../src/console/tech-key.js';
import { projectRoot } from '../support/paths.js';

describe('scripts/tech-answer.ts (the technician tool, as a process)', () => {
  it('reads a challenge line from stdin and prints the response for that kiosk', () => {
    const fleetKey = Buffer.alloc(32, 0x5a);
    const challenge = { deviceId: 'kiosk-0042', technician: 'alice', nonce: '0123456789abcdef0123456789abcdef' };
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'tech-answer.ts')], {
      cwd: projectRoot,
      input: `kiosk-0042 [locked]> login alice\r\n${formatChallenge(challenge)}\r\nresponse: `,
      env: { ...process.env, KIOSK_FLEET_TECH_KEY: fleetKey.toString('hex') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(answerChallenge(deriveDeviceKey(fleetKey, 'kiosk-0042'), challenge));
  });
});

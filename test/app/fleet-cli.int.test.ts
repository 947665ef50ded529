import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandResult } from '../../src/protocol/commands.js';
import { ShadowReported } from '../../src/protocol/shadow.js';
import { FLEET_DEVICE_ID, startFleetKiosk, writeFleetKiosk, type FleetKiosk } from '../support/fleet-kiosk.js';
import { Broker } from '../support/mosquitto.js';
import { projectRoot } from '../support/paths.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A script as the fleet team runs it (npm run fleet-command -- …), bounded in time. */
function runScript(script: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', script), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fleet-keygen and fleet-command, the fleet team tools', () => {
  let broker: Broker;
  let dir: TempDir;
  let running: FleetKiosk | undefined;

  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
    dir = makeTempDir();
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(async () => {
    await broker?.dispose();
    dir?.remove();
  });

  it('makes a key pair, and signs and sends commands and desired configs with it to a kiosk that trusts it', async () => {
    const keyFile = dir.file('fleet-ops.key');
    const keygen = await runScript('fleet-keygen.ts', ['--out', keyFile, '--kid', 'fleet-ops-2026', '--use', 'commands,config']);
    expect(keygen.code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(keygen.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const entry = JSON.parse(keygen.stdout.slice(keygen.stdout.indexOf('{'))) as { id: string; publicKey: string; use: Array<'commands' | 'config' | 'models'> };
    expect(entry).toMatchObject({ id: 'fleet-ops-2026', use: ['commands', 'config'] });
    expect((await runScript('fleet-keygen.ts', ['--out', keyFile, '--kid', 'again'])).code).toBe(1);

    const files = writeFleetKiosk(dir, { brokerUrl: broker.url, keys: { entries: [entry] } });
    running = await startFleetKiosk(files);
    const common = ['--broker', broker.url, '--device', FLEET_DEVICE_ID, '--key', keyFile, '--timeout', '15'];

    const ok = await runScript('fleet-command.ts', ['send', 'sync.now', ...common, '--kid', 'fleet-ops-2026']);
    expect(ok.code).toBe(0);
    expect(CommandResult.parse(JSON.parse(ok.stdout))).toMatchObject({ status: 'ok', type: 'sync.now', deviceId: FLEET_DEVICE_ID });

    const snapshotFile = dir.file('snapshot.jpg');
    const snapshot = await runScript('fleet-command.ts', ['send', 'camera.snapshot', ...common, '--kid', 'fleet-ops-2026', '--snapshot', snapshotFile]);
    expect(snapshot.code).toBe(0);
    expect(readFileSync(snapshotFile).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(snapshot.stdout).toContain(`(written to ${snapshotFile})`);

    const refused = await runScript('fleet-command.ts', ['send', 'door.unlock', ...common, '--kid', 'fleet-unknown', '--params', '{"durationMs":500}']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 'rejected', rejection: 'unknown-key' });

    const desired = await runScript('fleet-command.ts', ['desired', ...common, '--kid', 'fleet-ops-2026', '--version', '2', '--patch', '{"hardware":{"gpio":{"kind":"onoff"}}}']);
    expect(desired.code).toBe(1);
    expect(ShadowReported.parse(JSON.parse(desired.stdout))).toMatchObject({ desiredVersion: 2, state: 'rejected', reason: 'not fleet-managed: hardware' });

    expect((await runScript('fleet-command.ts', ['send', 'self.destruct', ...common, '--kid', 'fleet-ops-2026'])).code).toBe(64);
    expect(running.restarts).toEqual([]);
  });
});

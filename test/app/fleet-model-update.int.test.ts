import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FleetCommandClient } from '../../src/fleet/command-client.js';
import { buildCommand, generateFleetKeyPair, signCommand, signingKeyFromPem, signModelPackage, type FleetSigningKey } from '../../src/fleet/signer.js';
import { ErrorCode } from '../../src/ops/errors.js';
import type { CommandResult } from '../../src/protocol/commands.js';
import type { KioskEvent } from '../../src/protocol/events.js';
import type { ModelPackage } from '../../src/protocol/model-package.js';
import type { SignedDocument } from '../../src/protocol/signed.js';
import { depositAwaitingRemoval, FLEET_DEVICE_ID, makeFleetKeys, removeItem, startFleetKiosk, writeFleetKiosk, type FleetKeys, type FleetKiosk } from '../support/fleet-kiosk.js';
import type { TestKioskFiles } from '../support/kiosk-config.js';
import { Broker } from '../support/mosquitto.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { ModelServer } from '../sync/ota/support/model-server.js';
import { servePackage, writeTestModel } from '../sync/ota/support/ota-models.js';

/**
 * `model.update` end to end: a real mosquitto, the whole simulated kiosk
 * in-process on the ONNX classifier, the fleet's command client, and a real
 * HTTP server holding the model package.
 */
describe('model.update over the fleet link', () => {
  let broker: Broker;
  let keys: FleetKeys;
  let models: FleetSigningKey;
  let modelsPublicKey: string;
  let dir: TempDir;
  let server: ModelServer;
  let files: TestKioskFiles;
  let running: FleetKiosk | undefined;
  let fleet: FleetCommandClient | undefined;

  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
    keys = makeFleetKeys();
    const pair = generateFleetKeyPair();
    models = signingKeyFromPem('fleet-models-1', pair.privateKeyPem);
    modelsPublicKey = pair.publicKeyPem;
  });
  afterAll(async () => {
    await broker?.dispose();
  });
  beforeEach(async () => {
    dir = makeTempDir('kiosk-ota-e2e-');
    server = await ModelServer.start();
    await writeTestModel(dir.file('models/factory'), { name: 'packaging-tiny', version: '1.0.0' });
    files = writeFleetKiosk(dir, {
      brokerUrl: broker.url,
      keys: { entries: [...keys.entries, { id: 'fleet-models-1', publicKey: modelsPublicKey, use: ['models'] }] },
      overrides: { classifier: { kind: 'onnx', modelDir: dir.file('models/factory') } },
    });
    fleet = await FleetCommandClient.connect({ url: broker.url });
    running = await startFleetKiosk(files);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await fleet?.close();
    fleet = undefined;
    await server.stop();
    dir?.remove();
  });

  const k = (): FleetKiosk => running as FleetKiosk;
  const f = (): FleetCommandClient => fleet as FleetCommandClient;

  async function release(version: string, kind: 'good' | 'big' = 'good'): Promise<ModelPackage> {
    const source = await writeTestModel(dir.file(`releases/${version}`), { name: 'packaging-tiny', version, kind });
    return servePackage(server, source, { name: 'packaging-tiny', version });
  }

  async function sendUpdate(signedPackage: SignedDocument): Promise<{ id: string; results: () => CommandResult[] }> {
    const command = buildCommand({ type: 'model.update', deviceId: FLEET_DEVICE_ID, ttlMs: 60_000, params: { package: signedPackage } });
    await f().sendCommand(FLEET_DEVICE_ID, await signCommand(command, keys.commands));
    return { id: command.id, results: () => f().results.filter((result) => result.commandId === command.id) };
  }

  function outbox(): KioskEvent[] {
    return k()
      .kiosk.store.pending(0, 10_000, 64 * 1024 * 1024)
      .map((entry) => JSON.parse(entry.body) as KioskEvent);
  }

  it('installs a signed package: in-progress, then ok; the next deposit is classified by the new model; model.updated is in the outbox', async () => {
    expect(k().kiosk.classifier.model).toBe('packaging-tiny@1.0.0');
    const pkg = await release('2.0.0');
    const update = await sendUpdate(await signModelPackage(pkg, models));
    const final = await f().waitForResult((result) => result.commandId === update.id && result.status !== 'in-progress', 30_000);
    expect(update.results()[0]).toMatchObject({ status: 'in-progress', type: 'model.update', data: { model: 'packaging-tiny@2.0.0', files: 2 } });
    expect(final).toMatchObject({ status: 'ok', error: null, data: { model: 'packaging-tiny@2.0.0', previous: 'packaging-tiny@1.0.0', alreadyActive: false } });
    expect(k().kiosk.classifier.model).toBe('packaging-tiny@2.0.0');

    await depositAwaitingRemoval(k());
    await removeItem(k());
    const deposits = outbox().filter((event) => event.type === 'deposit.accepted' || event.type === 'deposit.rejected');
    expect(deposits.at(-1)).toMatchObject({ payload: { model: 'packaging-tiny@2.0.0' } });
    expect(deposits[0]).toMatchObject({ payload: { model: 'packaging-tiny@1.0.0' } });
    expect(outbox().find((event) => event.type === 'model.updated')).toMatchObject({ payload: { model: 'packaging-tiny@2.0.0', commandId: update.id } });
  });

  it('a package signed by a key not allowed to sign models fails with E430 and changes nothing', async () => {
    const pkg = await release('2.0.0');
    const update = await sendUpdate(await signModelPackage(pkg, keys.commands));
    const final = await f().waitForResult((result) => result.commandId === update.id && result.status !== 'in-progress', 15_000);
    expect(final).toMatchObject({ status: 'failed', error: { code: ErrorCode.OtaSignatureInvalid } });
    expect(server.requests).toHaveLength(0);
    expect(k().kiosk.classifier.model).toBe('packaging-tiny@1.0.0');
  });

  it('a package whose file was corrupted on the server fails with E433; the old model keeps classifying', async () => {
    const pkg = await release('2.0.0');
    server.faults = { corrupt: { path: '/packaging-tiny/2.0.0/model.onnx', offset: 50 } };
    const update = await sendUpdate(await signModelPackage(pkg, models));
    const final = await f().waitForResult((result) => result.commandId === update.id && result.status !== 'in-progress', 30_000);
    expect(final).toMatchObject({ status: 'failed', error: { code: ErrorCode.OtaFileMismatch }, data: { stage: 'download', active: 'packaging-tiny@1.0.0', rolledBack: false } });
    expect(k().kiosk.classifier.model).toBe('packaging-tiny@1.0.0');
    expect(outbox().find((event) => event.type === 'model.update-failed')).toMatchObject({ payload: { stage: 'download', code: ErrorCode.OtaFileMismatch } });
  });

  it('an update cut short by a stop is resumed by the next start, from its .part, and its command finished then', async () => {
    const pkg = await release('2.0.0', 'big');
    const chunk = 256 * 1024;
    server.faults = { stallAfterBytes: 2 * chunk + 100 };
    const update = await sendUpdate(await signModelPackage(pkg, models));
    const progress = join(dir.path, 'data/models/.staging/packaging-tiny@2.0.0/progress/model.onnx.progress.json');
    await waitFor(() => existsSync(progress) && readFileSync(progress, 'utf8').includes(`"committedBytes":${2 * chunk}`), { description: 'two chunks on disk', timeoutMs: 20_000 });
    await k().stop();
    expect(update.results().map((result) => result.status)).toEqual(['in-progress']);

    server.faults = {};
    running = await startFleetKiosk(files);
    const final = await f().waitForResult((result) => result.commandId === update.id && result.status !== 'in-progress', 30_000);
    expect(final).toMatchObject({ status: 'ok', data: { model: 'packaging-tiny@2.0.0', resumedBytes: 2 * chunk + (pkg.files.find((file) => file.path === 'manifest.json')?.sizeBytes ?? 0) } });
    expect(server.requestsFor('/packaging-tiny/2.0.0/model.onnx').at(-1)).toMatchObject({ range: `bytes=${2 * chunk}-`, status: 206 });
    expect(k().kiosk.classifier.model).toBe('packaging-tiny@2.0.0');
  });
});

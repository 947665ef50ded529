import { chmodSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import { Broker } from '../support/mosquitto.js';
import { startSyncStack, type SyncStack } from '../support/sync-stack.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { makeTestPki } from '../support/tls-certs.js';
import { waitFor } from '../support/wait-for.js';

const DEVICE = 'kiosk-link-0001';

describe('fleet link against a real mosquitto and the reference ingest', () => {
  let dir: TempDir;
  let broker: Broker | undefined;
  let ingest: Ingest | undefined;
  let stack: SyncStack | undefined;

  beforeEach(() => {
    dir = makeTempDir();
    // mosquitto drops root and must read the ACL, password and certificate files made here.
    chmodSync(dir.path, 0o755);
  });
  afterEach(async () => {
    await stack?.stop();
    await ingest?.stop();
    await broker?.dispose();
    stack = undefined;
    ingest = undefined;
    broker = undefined;
    dir.remove();
  });

  it('drains a backlog exactly once while the broker is stopped and started again and again, live events included', async () => {
    broker = await Broker.create({ persistence: true });
    await broker.start();
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 2 });
    stack = startSyncStack({
      storeFile: dir.file('kiosk.db'),
      brokerUrl: broker.url,
      deviceId: DEVICE,
      sync: { batchMaxEvents: 50, inFlightMax: 4, ackTimeoutMs: 3000, backlog: { eventsPerSecond: 4000, startJitterMs: 0 } },
    });
    stack.append(3000);
    for (const mark of [300, 900, 1500, 2100]) {
      await waitFor(() => (ingest?.progress(DEVICE).ackedSeq ?? 0) >= mark, { description: `watermark ${mark}`, timeoutMs: 30_000 });
      await broker.stop();
      stack.append(5); // deposits while the broker is away
      await broker.start();
    }
    stack.append(5);
    const total = 3000 + 4 * 5 + 5;
    await waitFor(() => ingest?.progress(DEVICE).ackedSeq === total, { description: `all ${total} acknowledged`, timeoutMs: 60_000 });
    const progress = ingest.progress(DEVICE);
    expect(progress).toMatchObject({ ackedSeq: total, maxSeq: total, events: total, conflicts: 0, gaps: [] });
    expect(ingest.store.eventsOf(DEVICE).map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await waitFor(() => stack?.store.stats().total === 0, { description: 'kiosk outbox emptied' });
  });

  it('parks when the broker refuses the events as not authorized, keeps them, and delivers them once the ACL allows it', async () => {
    const acl = dir.file('acl');
    const write = (lines: string[]): void => {
      writeFileSync(acl, `${lines.join('\n')}\n`);
      chmodSync(acl, 0o644);
    };
    const base = ['topic read kiosk/#', 'topic write kiosk/v1/+/ack', 'topic write kiosk/v1/+/status'];
    write(base);
    broker = await Broker.create({ extraConfig: [`acl_file ${acl}`] });
    await broker.start();
    ingest = await Ingest.start({ url: broker.url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1 });
    stack = startSyncStack({ storeFile: dir.file('kiosk.db'), brokerUrl: broker.url, deviceId: DEVICE });
    stack.append(10);
    await waitFor(() => stack?.sync.state === 'parked', { description: 'drain parked' });
    expect(stack.sync.parked).toMatch(/not-authorized \(0x87\)/);
    expect(stack.store.stats().total).toBe(10);
    write([...base, 'topic write kiosk/v1/+/events']);
    broker.reload();
    // The technician's (or the backend's) `sync now` retries at once.
    await waitFor(
      () => {
        stack?.sync.nudge();
        return ingest?.progress(DEVICE).ackedSeq === 10;
      },
      { description: 'delivered after the ACL fix', intervalMs: 200 },
    );
    await waitFor(() => stack?.store.stats().total === 0, { description: 'outbox emptied' });
  });

  it('connects with a per-device client certificate (mutual TLS) to a broker that requires one', async () => {
    const pki = makeTestPki(makeTempDir());
    const pkiDir = pki.files.caCert.replace(/\/ca\.crt$/, '');
    broker = await Broker.create({
      extraConfig: [`cafile ${pki.files.caCert}`, `certfile ${pki.files.serverCert}`, `keyfile ${pki.files.serverKey}`, 'require_certificate true', 'use_identity_as_username true'],
    });
    await broker.start();
    const url = broker.url.replace('mqtt://', 'mqtts://');
    const tls = { ca: Buffer.from(pki.caCert), cert: Buffer.from(pki.clientCert), key: Buffer.from(pki.clientKey) };
    ingest = await Ingest.start({ url, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1, tls });
    // Without a client certificate the TLS handshake is refused: events stay queued.
    const noCert = startSyncStack({ storeFile: dir.file('nocert.db'), brokerUrl: url, deviceId: 'kiosk-nocert', broker: { caFile: `${pkiDir}/ca.crt` } });
    noCert.append(1);
    stack = startSyncStack({
      storeFile: dir.file('kiosk.db'),
      brokerUrl: url,
      deviceId: DEVICE,
      broker: { caFile: `${pkiDir}/ca.crt`, certFile: `${pkiDir}/client.crt`, keyFile: `${pkiDir}/client.key` },
    });
    stack.append(3);
    await waitFor(() => ingest?.progress(DEVICE).ackedSeq === 3, { description: 'delivered over mutual TLS' });
    expect(noCert.uplink.isConnected).toBe(false);
    expect(noCert.store.stats().total).toBe(1);
    expect(readFileSync(`${pkiDir}/client.key`, 'utf8')).toContain('PRIVATE KEY');
    await noCert.stop();
  });
});

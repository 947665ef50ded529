import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingest } from '../../src/fleet/ingest.js';
import { answerWithFleetKey } from '../../src/console/tech-key.js';
import { createSilentLogger } from '../../src/ops/logger.js';
import type { ConsoleCommandPayload, KioskEvent } from '../../src/protocol/events.js';
import { DEVICE_ID, FLEET_KEY, startConsoleKiosk, type ConsoleKiosk } from '../support/console-kiosk.js';
import { Broker } from '../support/mosquitto.js';
import { PtyPair } from '../support/pty-pair.js';
import { TestSubscriber } from '../support/subscriber.js';
import { CONSOLE_TIMEOUT_MS, Technician } from '../support/technician.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

const SYNC_TIMEOUT_MS = 60_000;
const KIOSK_USER = 'kiosk-console-0001';
const KIOSK_PASSWORD = 'sync-now-kiosk-pass';
const BACKEND_PASSWORD = 'sync-now-backend-pass';

/**
 * `sync now` against a real mosquitto with the reference backend behind it
 * (src/fleet/ingest.ts: stores the events and acknowledges them, which is what
 * lets the kiosk delete its rows) and a backend subscriber watching the wire.
 *
 * The kiosk starts before the broker knows its user, so it queues; the backend
 * is subscribed all along. Once the user is added, the kiosk connects and holds
 * what it queued back for a random start wait, so a fleet back from an outage
 * does not drain in lock-step. Here that wait is made weeks long: the backlog
 * can only go because the technician types "sync now".
 */
describe('sync now drains the outbox to a real broker', { timeout: 300_000 }, () => {
  let dir: TempDir;
  let secrets: TempDir;
  let pty: PtyPair;
  let broker: Broker;
  let ingest: Ingest | undefined;
  let subscriber: TestSubscriber | undefined;
  let running: ConsoleKiosk | undefined;
  let tech: Technician | undefined;

  beforeAll(async () => {
    dir = makeTempDir();
    secrets = makeTempDir('kiosk-sync-broker-');
    execFileSync('mosquitto_passwd', ['-b', '-c', secrets.file('passwords'), 'backend', BACKEND_PASSWORD]);
    // mosquitto started as root drops to its own user, which must read the password file.
    chmodSync(secrets.path, 0o755);
    chmodSync(secrets.file('passwords'), 0o644);
    broker = await Broker.create({ extraConfig: ['allow_anonymous false', `password_file ${secrets.file('passwords')}`] });
    await broker.start();
    subscriber = new TestSubscriber(`mqtt://backend:${BACKEND_PASSWORD}@127.0.0.1:${broker.port}`);
    await subscriber.connect();
    ingest = await Ingest.start({ url: broker.url, username: 'backend', password: BACKEND_PASSWORD, storePath: dir.file('ingest.db'), logger: createSilentLogger(), consumers: 1, clientIdPrefix: 'ingest-console-sync' });
    pty = await PtyPair.create();
  });
  afterAll(async () => {
    await tech?.disconnect();
    await running?.kiosk.stop();
    await ingest?.stop();
    await subscriber?.disconnect();
    await broker?.dispose();
    await pty?.dispose();
    dir?.remove();
    secrets?.remove();
  });

  const received = (): KioskEvent[] => (subscriber?.events() ?? []).filter((event) => event.deviceId === DEVICE_ID);
  const auditsReceived = (): ConsoleCommandPayload[] => received().flatMap((event) => (event.type === 'console.command' ? [event.payload] : []));

  it('queues while the broker refuses the kiosk, then publishes the held backlog on "sync now" until the backend has every event', async () => {
    running = await startConsoleKiosk(dir, pty, {
      brokerUrl: broker.url,
      brokerCredentials: { username: KIOSK_USER, password: KIOSK_PASSWORD },
      // One event per message makes any backlog of two or more a real one; its start wait is weeks (under setTimeout's limit),
      // and the resend of what the backend has not acknowledged (which would start the backlog at once) an hour away.
      sync: { batchMaxEvents: 1, ackTimeoutMs: 3_600_000, backlog: { eventsPerSecond: 2000, startJitterMs: 2_000_000_000 } },
    });
    tech = new Technician(pty.devicePath);
    await tech.connect();
    await tech.login('alice', (challenge) => answerWithFleetKey(FLEET_KEY, challenge));
    expect(await tech.run('sync now')).toMatch(/^sync now\r\nbroker link is down; [1-9]\d* unsent events wait for it \(they are kept\)\r\n/);
    const offline = running.kiosk.store.stats();
    expect(offline.unsent).toBeGreaterThan(1);

    // The fleet's admin registers the kiosk's user; mosquitto reloads its password file on SIGHUP.
    execFileSync('mosquitto_passwd', ['-b', secrets.file('passwords'), KIOSK_USER, KIOSK_PASSWORD]);
    chmodSync(secrets.file('passwords'), 0o644);
    process.kill(broker.pid ?? 0, 'SIGHUP');
    await waitFor(() => running?.kiosk.uplink.isConnected, { description: 'the kiosk connected to the broker', timeoutMs: SYNC_TIMEOUT_MS });
    expect(await tech.run('status')).toContain(`broker:   up (${broker.url})`);

    // Live events go at once; the backlog (seq 1 on) waits for its start.
    await waitFor(() => auditsReceived().some((audit) => audit.command === 'status'), { description: 'the live status audit at the backend', timeoutMs: SYNC_TIMEOUT_MS });
    expect(received().filter((event) => event.seq <= offline.lastSeq)).toEqual([]);
    expect(await tech.run('queue stats')).toMatch(/^queue stats\r\n([1-9]\d*) unsent of \1 \(oldest \S+ old\), last seq \d+\r\n/);

    expect(await tech.run('sync now')).toMatch(/^sync now\r\nsync nudged; [1-9]\d* unsent\r\n/);

    // Everything reaches the backend, and its acknowledgement empties the outbox.
    await waitFor(() => running?.kiosk.store.stats().unsent === 0, { description: 'the outbox emptied by the acknowledgement', timeoutMs: SYNC_TIMEOUT_MS });
    const { lastSeq } = running.kiosk.store.stats();
    expect(await tech.run('queue stats')).toMatch(new RegExp(`^queue stats\\r\\n0 unsent of 0 \\(nothing waiting\\), last seq ${lastSeq}\\r\\n`));
    // (The backend may already have the audit of that last "queue stats" too.)
    expect(ingest?.progress(DEVICE_ID).ackedSeq).toBeGreaterThanOrEqual(lastSeq);
    expect(ingest?.progress(DEVICE_ID)).toMatchObject({ conflicts: 0, gaps: [] });
    const seqs = new Set(received().map((event) => event.seq));
    expect([...Array(lastSeq).keys()].map((index) => index + 1).filter((seq) => !seqs.has(seq))).toEqual([]);

    // The console's own audit events are on the wire like any other event.
    const transport = `serial:${pty.driverPath}`;
    expect(auditsReceived()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ command: 'login', args: ['alice'], outcome: 'ok', technician: 'alice', transport }),
        expect.objectContaining({ command: 'sync', args: ['now'], outcome: 'ok', technician: 'alice', detail: 'sync nudged', transport }),
        expect.objectContaining({ command: 'status', outcome: 'ok', technician: 'alice', transport }),
      ]),
    );
    expect(auditsReceived().filter((audit) => audit.command === 'sync')).toHaveLength(2);
    // The last "queue stats" is audited after its answer: it goes out live too.
    await waitFor(() => auditsReceived().filter((audit) => audit.command === 'queue').length === 2, { description: 'the last queue audit at the backend', timeoutMs: CONSOLE_TIMEOUT_MS });
  });
});

/**
 * Sync benchmark (npm run bench:sync): a backlog drained from the SQLite
 * outbox to mosquitto until the reference ingest (a separate process) has
 * acknowledged every event, on plain loopback and through a TCP proxy adding
 * 50 ms each way (a kiosk on LTE), against mosquitto with its default
 * set_tcp_nodelay false and with true. After a warm-up drain of the same size
 * (reported, not counted: the first drain of a process runs while V8 is still
 * compiling its hot paths), each path is drained --repeat times and the median
 * is reported with the range (a VM's neighbours move single runs by ±15 %). The real drain is compared with
 * the naive path measured in the same run: one event per publish, awaiting
 * each PUBACK. Also: durable enqueue (append, fsync'd) events/s, and RSS while
 * draining backlogs from 10k to 1M events.
 *
 *   npm run bench:sync [-- --events 100000] [--rss-sizes 10000,100000,1000000] [--naive-seconds 5] [--help]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { createSystemClock } from '../src/ops/clock.js';
import { DeviceConfig } from '../src/ops/config/schema.js';
import { SyncConfig } from '../src/ops/config/sync-config.js';
import { createSilentLogger } from '../src/ops/logger.js';
import type { EventsAck } from '../src/protocol/ack.js';
import { EVENTS_BATCH_SCHEMA } from '../src/protocol/events.js';
import { topicFor } from '../src/protocol/topics.js';
import { openDatabase } from '../src/store/database.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { WalCheckpointer } from '../src/store/wal-checkpointer.js';
import { processWriteBytes } from '../src/store/write-meter.js';
import { MqttUplink } from '../src/sync/mqtt-uplink.js';
import { OutboxSync } from '../src/sync/outbox-sync.js';
import { cpuSeconds, startIngest, startLatencyProxy, startMosquitto, type Child } from './bench/children.js';
import { depositEvent, fillOutbox } from './bench/outbox-fill.js';

const TARGETS = { loopback: 100_000, lte: 20_000, ratio: 10 };
const USAGE = `usage: npm run bench:sync -- [options]

  --events N           backlog drained per run (default 100000)
  --rss-sizes LIST     backlogs for the RSS series, comma-separated (default 10000,100000,1000000; "" skips it)
  --naive-seconds S    how long each naive run publishes (default 5)
  --delay-ms MS        one-way delay of the LTE proxy (default 50)
  --repeat N           real drains per path; the median is reported, with the range (default 3)
  --warmup N           events drained once per path before measuring; reported apart, not in the median (default: --events)
  --paths LIST         which paths to run: loopback,lte (default both)
  --nodelay LIST       which broker settings to run: false,true (default both)
  -h, --help           print this and exit
`;

function parseArguments() {
  try {
    return parseArgs({
      options: {
        events: { type: 'string', default: '100000' },
        'rss-sizes': { type: 'string', default: '10000,100000,1000000' },
        'naive-seconds': { type: 'string', default: '5' },
        'delay-ms': { type: 'string', default: '50' },
        paths: { type: 'string', default: 'loopback,lte' },
        repeat: { type: 'string', default: '3' },
        warmup: { type: 'string' },
        nodelay: { type: 'string', default: 'false,true' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`bench:sync: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const args = parseArguments();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const EVENTS = Number(args.events);
const RSS_SIZES = args['rss-sizes'] ? args['rss-sizes'].split(',').map(Number) : [];
const NAIVE_SECONDS = Number(args['naive-seconds']);
const DELAY_MS = Number(args['delay-ms']);
const PATHS = new Set(args.paths.split(','));
const REPEAT = Math.max(1, Number(args.repeat));
const WARMUP = Number(args.warmup ?? args.events);
const NODELAY = args.nodelay.split(',').map((value) => value === 'true');

const work = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const logger = createSilentLogger();
let runs = 0;
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface DrainResult {
  /** Bytes the kiosk side wrote to storage per event drained (acknowledgement deletes, WAL, checkpoints), from /proc/self/io. */
  writtenPerEvent: number | null;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  rssMaxMb: number;
  rssStartMb: number;
  /** CPU seconds used during the drain by the kiosk, the broker and the ingest. */
  cpu: { kiosk: number; broker: number; ingest: number } | null;
}

interface Peers {
  brokerPid: number;
  ingestPid: number;
}

/** The kiosk's real drain: outbox → OutboxSync → MqttUplink, timed until the backend's watermark covers the backlog. */
async function realDrain(url: string, events: number, peers: Peers): Promise<DrainResult> {
  runs += 1;
  const deviceId = `bench-kiosk-${process.pid}-${runs}`;
  const file = join(work, `${deviceId}.db`);
  fillOutbox(file, deviceId, events);
  global.gc?.();
  const clock = createSystemClock();
  const db = openDatabase(file, logger);
  const store = new SqliteEventStore(db, deviceId, clock, logger);
  // As the kiosk runs it (src/app/kiosk.ts): WAL checkpoints in their own thread.
  const checkpointer = await WalCheckpointer.start({ path: file, intervalMs: 250 });
  db.pragma('wal_autocheckpoint = 0');
  const broker = DeviceConfig.shape.broker.parse({ url, reconnect: { initialMs: 50, maxMs: 500 } });
  const uplink = new MqttUplink({ broker, deviceId, stationId: 'bench', runtimeVersion: 'bench', clock, logger });
  // Production defaults, except the backlog's rate limit and start wait: those are fleet policy, this measures capacity.
  const settings = SyncConfig.parse({ backlog: { eventsPerSecond: 0, startJitterMs: 0 } });
  const sync = new OutboxSync({ store, uplink, deviceId, settings, logger });
  const rssStart = process.memoryUsage().rss;
  let rssMax = rssStart;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 50);
  const writtenBefore = processWriteBytes();
  const cpuBefore = { kiosk: process.cpuUsage(), broker: cpuSeconds(peers.brokerPid), ingest: cpuSeconds(peers.ingestPid) };
  const started = performance.now();
  const done = new Promise<void>((resolve) => {
    sync.on('acknowledged', (ackedSeq) => {
      if (ackedSeq >= events) resolve();
    });
  });
  sync.start();
  uplink.start();
  await done;
  // What the acknowledgements left to prune counts too: the drain is over when the outbox is empty.
  store.prune(Number.MAX_SAFE_INTEGER);
  const seconds = (performance.now() - started) / 1000;
  const kioskCpu = process.cpuUsage(cpuBefore.kiosk);
  const cpu = {
    kiosk: (kioskCpu.user + kioskCpu.system) / 1e6,
    broker: cpuSeconds(peers.brokerPid) - cpuBefore.broker,
    ingest: cpuSeconds(peers.ingestPid) - cpuBefore.ingest,
  };
  clearInterval(sampler);
  sync.stop();
  await uplink.stop();
  await checkpointer.stop();
  store.close();
  const writtenAfter = processWriteBytes();
  const writtenPerEvent = writtenBefore === undefined || writtenAfter === undefined ? null : Math.round((writtenAfter - writtenBefore) / events);
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return { events, seconds, eventsPerSecond: events / seconds, rssMaxMb: mb(rssMax), rssStartMb: mb(rssStart), writtenPerEvent, cpu };
}

/** The naive path: one event per message, each publish awaiting its PUBACK; then the wait for the backend's acknowledgement. */
async function naiveDrain(url: string, seconds: number): Promise<DrainResult> {
  runs += 1;
  const deviceId = `bench-naive-${process.pid}-${runs}`;
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  // The same socket setting as the kiosk's uplink, so the ratio measures batching and windowing, not Nagle.
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  let acked = 0;
  client.on('message', (_topic, payload) => {
    acked = Math.max(acked, (JSON.parse(payload.toString()) as EventsAck).ackedSeq);
  });
  await client.subscribeAsync(topicFor('ack', deviceId), { qos: 1 });
  const bootId = '6750e39c-0c12-4b27-894c-fb1a3f92faf1';
  const started = performance.now();
  let seq = 0;
  while (performance.now() - started < seconds * 1000) {
    seq += 1;
    const body = `{"schema":"${EVENTS_BATCH_SCHEMA}","deviceId":"${deviceId}","events":[${JSON.stringify(depositEvent(deviceId, seq, bootId))}]}`;
    await client.publishAsync(topicFor('events', deviceId), body, { qos: 1 });
  }
  while (acked < seq) await new Promise((resolve) => setTimeout(resolve, 5));
  const elapsed = (performance.now() - started) / 1000;
  await client.endAsync();
  return { events: seq, seconds: elapsed, eventsPerSecond: seq / elapsed, rssMaxMb: 0, rssStartMb: 0, writtenPerEvent: null, cpu: null };
}

/** Durable enqueue: SqliteEventStore.append, each event fsync'd before it returns (what a deposit costs). */
function durableEnqueue(count: number): { eventsPerSecond: number } {
  const file = join(work, 'enqueue.db');
  const store = new SqliteEventStore(openDatabase(file, logger), 'bench-enqueue', createSystemClock(), logger);
  const event = depositEvent('bench-enqueue', 1, '6750e39c-0c12-4b27-894c-fb1a3f92faf1');
  if (event.type !== 'deposit.accepted') throw new Error('depositEvent makes deposit.accepted events');
  const started = performance.now();
  for (let i = 0; i < count; i += 1) store.append({ type: 'deposit.accepted', payload: event.payload });
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return { eventsPerSecond: count / seconds };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const cpuCell = (result: DrainResult): string => (result.cpu ? `${result.cpu.kiosk.toFixed(2)}/${result.cpu.broker.toFixed(2)}/${result.cpu.ingest.toFixed(2)}` : 'n/a');
const rows: string[][] = [];
const children: Child[] = [];
const verdicts: string[] = [];
try {
  const enqueue = durableEnqueue(2000);
  for (const noDelay of NODELAY) {
    const broker = await startMosquitto(noDelay);
    children.push(broker);
    const proxy = await startLatencyProxy(broker.port, DELAY_MS);
    children.push(proxy);
    const ingest = await startIngest(`mqtt://127.0.0.1:${broker.port}`, join(work, `ingest-${noDelay}.db`));
    for (const [path, port, target] of [
      ['loopback', broker.port, TARGETS.loopback],
      [`+${DELAY_MS} ms each way`, proxy.port, TARGETS.lte],
    ] as const) {
      if (!PATHS.has(path === 'loopback' ? 'loopback' : 'lte')) continue;
      const url = `mqtt://127.0.0.1:${port}`;
      const peers = { brokerPid: broker.pid, ingestPid: ingest.pid };
      // JIT-compiled code on both sides, as on a kiosk that has been running: the first drain of a process is slower
      // (measured: 76–98k events/s against 110–130k for the ones after it), so it is shown apart.
      const warmup = WARMUP > 0 ? await realDrain(url, WARMUP, peers) : undefined;
      const drains: DrainResult[] = [];
      for (let n = 0; n < REPEAT; n += 1) drains.push(await realDrain(url, EVENTS, peers));
      drains.sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
      const real = drains[Math.floor(drains.length / 2)]!;
      const range = drains.length > 1 ? ` (${fmt(drains[0]!.eventsPerSecond)}–${fmt(drains.at(-1)!.eventsPerSecond)})` : '';
      const naive = await naiveDrain(url, NAIVE_SECONDS);
      const ratio = real.eventsPerSecond / naive.eventsPerSecond;
      const name = `nodelay ${noDelay ? 'true ' : 'false'} ${path}`;
      rows.push([name, `${fmt(real.eventsPerSecond)}${range}`, warmup ? fmt(warmup.eventsPerSecond) : '-', real.seconds.toFixed(2), fmt(naive.eventsPerSecond), `${ratio.toFixed(1)}x`, `${real.rssStartMb}→${real.rssMaxMb}`, String(real.writtenPerEvent ?? 'n/a'), cpuCell(real)]);
      verdicts.push(`${name}: ${real.eventsPerSecond >= target ? 'MEETS' : 'MISSES'} ${fmt(target)}/s, ${ratio >= TARGETS.ratio ? 'MEETS' : 'MISSES'} ${TARGETS.ratio}x naive`);
    }
    await ingest.stop();
    await proxy.stop();
    await broker.stop();
    children.length = 0;
  }
  process.stdout.write(`\nsync drain: ${fmt(EVENTS)}-event backlog until the ingest acknowledged all (events/s)\n`);
  const header = ['broker / path', `real ev/s${REPEAT > 1 ? ` (median of ${REPEAT}, range)` : ''}`, `warm-up ev/s (${fmt(WARMUP)})`, 'real s', 'naive ev/s', 'real/naive', 'RSS MB start→max', 'B written/ev', 'CPU s kiosk/broker/ingest'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(`durable enqueue (append, fsync'd per event): ${fmt(enqueue.eventsPerSecond)} events/s\n`);
  for (const verdict of verdicts) process.stdout.write(`target ${verdict}\n`);

  if (RSS_SIZES.length > 0) {
    const broker = await startMosquitto(true);
    children.push(broker);
    const ingest = await startIngest(`mqtt://127.0.0.1:${broker.port}`, join(work, 'ingest-rss.db'));
    process.stdout.write('\nRSS while draining (loopback, nodelay true)\nbacklog      ev/s      RSS MB start→max\n');
    const series: DrainResult[] = [];
    for (const size of RSS_SIZES) {
      const result = await realDrain(`mqtt://127.0.0.1:${broker.port}`, size, { brokerPid: broker.pid, ingestPid: ingest.pid });
      series.push(result);
      process.stdout.write(`${fmt(size).padEnd(12)} ${fmt(result.eventsPerSecond).padEnd(9)} ${result.rssStartMb}→${result.rssMaxMb}\n`);
    }
    const first = series[0]!;
    const last = series.at(-1)!;
    // The peak is what the board must have; growth over each drain's own start is shown too (a start can be lower when V8 has just given memory back).
    process.stdout.write(
      `peak RSS while draining: ${first.rssMaxMb} MB at ${fmt(first.events)} events, ${last.rssMaxMb} MB at ${fmt(last.events)} (${last.rssMaxMb >= first.rssMaxMb ? '+' : ''}${(last.rssMaxMb - first.rssMaxMb).toFixed(1)} MB); ` +
        `over each drain's start: +${(first.rssMaxMb - first.rssStartMb).toFixed(1)} / +${(last.rssMaxMb - last.rssStartMb).toFixed(1)} MB\n`,
    );
    await ingest.stop();
    await broker.stop();
    children.length = 0;
  }
} finally {
  for (const child of children.reverse()) await child.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

/**
 * Fleet simulator (npm run fleet-sim): N virtual kiosks in one process, each
 * with its own SQLite outbox and MQTT connection, against one local mosquitto
 * (started here) and the reference ingest; optionally a fleet-wide outage
 * half-way. Prints the verdict: no loss, no duplicates.
 *
 *   npm run fleet-sim -- [--kiosks 1000] [--deposits 10] [--duration-ms 20000] [--outage-ms 3000] [--url mqtt://host:port]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../../src/ops/logger.js';
import { startMosquitto } from '../bench/children.js';
import { runFleet } from './fleet.js';

const int = (value: string): number => Number.parseInt(value, 10);
const options = new Command()
  .name('fleet-sim')
  .description('N virtual kiosks against one broker and the reference ingest; checks no loss and no duplicates')
  .option('--kiosks <n>', 'virtual kiosks', int, 1000)
  .option('--deposits <n>', 'deposits per kiosk', int, 10)
  .option('--duration-ms <ms>', 'deposits spread over this long', int, 20_000)
  .option('--outage-ms <ms>', 'stop the broker half-way for this long (0: no outage)', int, 3000)
  .option('--url <url>', 'use this broker instead of starting mosquitto (no outage then)')
  .parse()
  .opts<{ kiosks: number; deposits: number; durationMs: number; outageMs: number; url?: string }>();

const dir = mkdtempSync(join(tmpdir(), 'fleet-sim-'));
const logger = createLogger({ level: 'error', pretty: false }, process.stderr);
const broker = options.url ? undefined : await startMosquitto(true, { persistence: true });
const url = options.url ?? `mqtt://127.0.0.1:${broker!.port}`;
try {
  const verdict = await runFleet({
    brokerUrl: url,
    dir,
    kiosks: options.kiosks,
    depositsPerKiosk: options.deposits,
    durationMs: options.durationMs,
    logger,
    ...(broker && options.outageMs > 0 ? { midway: () => broker.restart(options.outageMs) } : {}),
    onProgress: (line) => process.stderr.write(`fleet-sim: ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
  process.stdout.write(`${verdict.lossFree && verdict.duplicateFree ? 'PASS' : 'FAIL'}: ${verdict.kiosks} kiosks, ${verdict.eventsWritten} events written, ${verdict.eventsStored} stored, ${verdict.duplicatesDropped} repeats dropped\n`);
  process.exitCode = verdict.lossFree && verdict.duplicateFree ? 0 : 1;
} finally {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
}

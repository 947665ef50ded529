/**
 * Runs the reference ingest (src/fleet/ingest.ts) against a broker:
 *   npm run ingest -- --url mqtt://127.0.0.1:1883 --store ./data/ingest.db [--consumers 2] [--group ingest]
 * Prints a JSON line of its counters every --report-ms, and once more on SIGTERM/SIGINT.
 */
import { Command } from 'commander';
import { Ingest } from '../src/fleet/ingest.js';
import { createLogger } from '../src/ops/logger.js';

const options = new Command()
  .name('ingest')
  .description('reference backend ingest: shared subscription, dedupe by (deviceId, seq), acknowledgements')
  .option('--url <url>', 'broker URL', 'mqtt://127.0.0.1:1883')
  .option('--store <file>', 'SQLite file of the ingest', './data/ingest.db')
  .option('--group <name>', 'shared-subscription group', 'ingest')
  .option('--consumers <n>', 'MQTT consumers in the group', (value) => Number.parseInt(value, 10), 2)
  .option('--client-id-prefix <prefix>', 'client id prefix (keep it across restarts to resume sessions)')
  .option('--report-ms <ms>', 'counters every this often (0: only at exit)', (value) => Number.parseInt(value, 10), 5000)
  .option('--log-level <level>', 'pino level', 'warn')
  .parse()
  .opts<{ url: string; store: string; group: string; consumers: number; clientIdPrefix?: string; reportMs: number; logLevel: string }>();

const logger = createLogger({ level: options.logLevel, pretty: false }, process.stderr);
const ingest = await Ingest.start({
  url: options.url,
  storePath: options.store,
  group: options.group,
  consumers: options.consumers,
  logger,
  ...(options.clientIdPrefix ? { clientIdPrefix: options.clientIdPrefix } : {}),
});
const report = (): void => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...ingest.stats() })}\n`);
};
// pid: the process that does the work (tsx runs the script in a child of the one it was started as), for CPU accounting.
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
const timer = options.reportMs > 0 ? setInterval(report, options.reportMs) : undefined;
const stop = (): void => {
  clearInterval(timer);
  ingest
    .stop()
    .then(() => {
      report();
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`ingest: ${String(error)}\n`);
      process.exit(1);
    });
};
// A supervisor (systemd, a container runtime) starts a fresh one; the kiosks resend what was not acknowledged.
ingest.on('failed', () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

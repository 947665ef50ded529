import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogRing } from './log-ring.js';

export type { Logger } from 'pino';

/** Field names whose values are secrets. */
const secretKeys = ['password', 'secret', 'key', 'privateKey', 'token'] as const;

/**
 * Paths pino replaces before a line is written. Secrets must never reach a log,
 * whatever object a caller happens to pass. A `*` matches one level only, so
 * each key is covered at the top level and up to two levels down (e.g.
 * `config.broker.password`, `err.context.token`). Deeper nesting is not
 * covered: wildcard paths cost time on every line (a deposit line took about
 * 17 us with one level down, 30 us with two, 50 us with three, on the 2-core
 * development machine), so log a flat object rather than a whole config.
 */
export const redactedPaths = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerSettings {
  level: string;
  /** Human-readable output; defaults to true only when stdout is a terminal. */
  pretty?: boolean;
}

/**
 * `ring`, when given, receives every line as well (for the console's `logs
 * tail`); the main destination (stdout, or the stream given) still gets them all.
 */
export function createLogger(settings: LoggerSettings, destination?: NodeJS.WritableStream, ring?: LogRing): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { app: 'kiosk-runtime' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = settings.pretty ?? (destination === undefined && process.stdout.isTTY === true);
  if (ring) {
    // multistream needs streams in this thread: pretty printing runs in-process here, not as a worker transport.
    const main: DestinationStream = pretty ? pinoPretty({ colorize: true }) : ((destination ?? process.stdout) as DestinationStream);
    // level 'trace' on each stream: the logger's own level already filters.
    return pino({ ...options }, pino.multistream([{ stream: main, level: 'trace' }, { stream: ring, level: 'trace' }]));
  }
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything: for tests and tools that must stay quiet. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

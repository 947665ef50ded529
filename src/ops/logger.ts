import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino replaces before a line is written. Secrets must never reach a log,
 * whatever object a caller happens to pass.
 */
export const redactedPaths = [
  'password',
  '*.password',
  'broker.password',
  'config.broker.password',
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
  'key',
  '*.key',
  'token',
  '*.token',
];

export interface LoggerSettings {
  level: string;
  /** Human-readable output; defaults to true only when stdout is a terminal. */
  pretty?: boolean;
}

export function createLogger(settings: LoggerSettings, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { app: 'kiosk-runtime' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = settings.pretty ?? (destination === undefined && process.stdout.isTTY === true);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything: for tests and tools that must stay quiet. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/ops/logger.js';

/** A real pino logger whose JSON lines the test can read back. */
export function captureLogs(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', pretty: false }, destination);
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

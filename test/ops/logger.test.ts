import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes JSON lines and redacts secrets wherever they sit', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', pretty: false }, stream);
    logger.info({ broker: { url: 'mqtt://x', password: 'p4ss' }, password: 'top', token: 'tkn' }, 'connecting');
    logger.child({ component: 'uplink' }).info({ config: { broker: { password: 'deep' } } }, 'child');
    const text = JSON.stringify(lines());
    for (const secret of ['p4ss', 'top', 'tkn', 'deep']) expect(text).not.toContain(secret);
    expect(lines()[0]).toMatchObject({ msg: 'connecting', broker: { url: 'mqtt://x', password: '[redacted]' } });
    expect(lines()[1]).toMatchObject({ component: 'uplink' });
  });

  it('redacts every secret key two levels down, in fields and in child bindings, and leaves the rest alone', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', pretty: false }, stream);
    const secrets = { password: 's-password', secret: 's-secret', key: 's-key', privateKey: 's-privateKey', token: 's-token' };
    logger.info({ config: { broker: { ...secrets, url: 'mqtt://broker.example' } }, err: { context: { token: 's-err-token' } } }, 'nested');
    logger.child({ settings: { tls: { privateKey: 's-binding' } } }).info({ items: [{ secret: 's-array' }] }, 'bindings');
    const text = JSON.stringify(lines());
    for (const secret of [...Object.values(secrets), 's-err-token', 's-binding', 's-array']) expect(text).not.toContain(secret);
    const redacted = Object.fromEntries(Object.keys(secrets).map((name) => [name, '[redacted]']));
    expect(lines()[0]).toMatchObject({ config: { broker: { ...redacted, url: 'mqtt://broker.example' } }, err: { context: { token: '[redacted]' } } });
    expect(lines()[1]).toMatchObject({ settings: { tls: { privateKey: '[redacted]' } }, items: [{ secret: '[redacted]' }] });
  });
});

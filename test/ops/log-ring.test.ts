import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogRing } from '../../src/ops/log-ring.js';
import { createLogger } from '../../src/ops/logger.js';

describe('LogRing', () => {
  it('keeps the last lines, bounded in count and length, and still lets the main destination get everything', () => {
    const ring = new LogRing(3, 200);
    let main = '';
    const logger = createLogger({ level: 'info', pretty: false }, new Writable({ write: (chunk: Buffer, _e, cb) => { main += chunk.toString(); cb(); } }), ring);
    for (let i = 0; i < 5; i += 1) logger.info({ password: 'hunter2' }, `line ${i}`);
    logger.info('x'.repeat(500));
    expect(main.trim().split('\n')).toHaveLength(6);
    const tail = ring.tail(10);
    expect(tail).toHaveLength(3);
    expect(tail[0]).toContain('line 3');
    expect(tail[2]!.length).toBeLessThanOrEqual(201);
    expect(tail.join('')).not.toContain('hunter2');
    expect(ring.tail(0)).toEqual([]);
  });
});

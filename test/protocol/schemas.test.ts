import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchema, schemaCatalog } from '../../scripts/schema-catalog.js';
import { encodeEventsBatch } from '../../src/sync/events-batch.js';
import { EventsBatch } from '../../src/protocol/events.js';
import { schemaDir } from '../support/paths.js';

describe('published JSON schemas', () => {
  it.each(schemaCatalog.map((entry) => entry.file))('docs/schemas/%s matches the zod source (run npm run schemas)', (file) => {
    const entry = schemaCatalog.find((candidate) => candidate.file === file)!;
    expect(readFileSync(join(schemaDir, file), 'utf8')).toBe(renderSchema(entry));
  });

  it('encodes a batch from stored rows that parses as kiosk.events-batch/1', () => {
    const event = {
      schema: 'kiosk.event/1',
      id: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7a',
      deviceId: 'kiosk "quoted"',
      seq: 7,
      bootId: '0192f0a4-3b1c-7cc2-9a51-2f3e4d5c6b7b',
      time: '2026-11-23T10:00:00.000Z',
      uptimeMs: 5,
      type: 'kiosk.started',
      payload: { runtimeVersion: '0.1.0', configVersion: 1 },
    };
    const body = encodeEventsBatch('kiosk "quoted"', [{ seq: 7, body: JSON.stringify(event) }]);
    expect(EventsBatch.parse(JSON.parse(body))).toEqual({ schema: 'kiosk.events-batch/1', deviceId: 'kiosk "quoted"', events: [event] });
  });
});

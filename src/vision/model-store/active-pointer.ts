/**
 * The active-model pointer, <models>/active.json: the one file whose
 * replacement switches the kiosk from one installed model to another.
 * Written only with writeFileDurably (temp + fsync + rename + fsync dir), and
 * only ever naming directories that are completely on disk, so after a power
 * cut it names either the old model or the new one, both whole.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../../ops/durable-fs.js';
import { INSTALL_NAME_PATTERN, POINTER_FILE } from './layout.js';

export const ACTIVE_POINTER_SCHEMA = 'kiosk.active-model/1';

const installed = z.string().regex(INSTALL_NAME_PATTERN, 'an installed model directory name, name@version');

export const ActiveModelPointer = z
  .object({
    schema: z.literal(ACTIVE_POINTER_SCHEMA),
    current: installed.nullable().describe('the installed model the classifier loads at start; null: the factory model (classifier.modelDir)'),
    previous: installed.nullable().describe('the model that ran before current, kept for rollback; null: the factory model'),
    trial: z
      .object({
        since: z.iso.datetime({ offset: true }),
        uncleanStarts: z.number().int().min(0).describe('starts with this model that did not end in a clean stop; above the limit the kiosk rolls back'),
        commandId: z.string().nullable(),
      })
      .strict()
      .nullable()
      .describe('set from the switch until the new model has passed its health check (its first classifications)'),
    unreported: z
      .object({
        model: z.string(),
        restored: z.string(),
        code: z.number().int(),
        reason: z.string().max(500),
        commandId: z.string().nullable(),
        at: z.iso.datetime({ offset: true }),
      })
      .strict()
      .nullable()
      .describe('a rollback done while starting, before the outbox could record it; the updater reports it and clears this'),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export type ActiveModelPointer = z.infer<typeof ActiveModelPointer>;

export type PointerRead = { state: 'absent' } | { state: 'valid'; pointer: ActiveModelPointer } | { state: 'invalid'; problem: string };

export function readPointer(root: string): PointerRead {
  const path = join(root, POINTER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'invalid', problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { state: 'invalid', problem: `${path} is not JSON` };
  }
  const parsed = ActiveModelPointer.safeParse(json);
  if (!parsed.success) {
    return { state: 'invalid', problem: `${path} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}` };
  }
  return { state: 'valid', pointer: parsed.data };
}

export function writePointer(root: string, pointer: ActiveModelPointer): void {
  writeFileDurably(join(root, POINTER_FILE), `${JSON.stringify(ActiveModelPointer.parse(pointer), null, 2)}\n`);
}

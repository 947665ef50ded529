import { z } from 'zod';
import type { SettingsStore } from '../../store/settings-store.js';
import { ShadowState } from '../../protocol/shadow.js';

/** Settings key (docs/storage.md) of the shadow's durable state. */
export const SETTING_SHADOW = 'fleet.shadow';

/**
 * What the kiosk remembers of the shadow across restarts: the newest desired
 * version it handled (so a retained or replayed older document is ignored),
 * the one its running config came from, the outcome, and an apply whose
 * restart has not been judged yet.
 */
export const ShadowRecord = z
  .object({
    desiredVersion: z.number().int().min(0),
    appliedVersion: z.number().int().min(0),
    state: ShadowState,
    reason: z.string().nullable(),
    pending: z
      .object({
        version: z.number().int().min(1),
        /** The apply guard's "technician" of this apply, so its outcome is recognised after the restart. */
        tag: z.string(),
        /** The config.update command that asked for it, which gets the final result; null for shadow/desired. */
        commandId: z.string().nullable(),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type ShadowRecord = z.infer<typeof ShadowRecord>;

export const FACTORY_SHADOW: ShadowRecord = { desiredVersion: 0, appliedVersion: 0, state: 'applied', reason: null, pending: null };

export function loadShadowRecord(settings: SettingsStore): ShadowRecord {
  const text = settings.get(SETTING_SHADOW);
  if (text === undefined) return { ...FACTORY_SHADOW };
  try {
    return ShadowRecord.parse(JSON.parse(text));
  } catch {
    // Unreadable state must not block the shadow for good: start over from the factory state (versions then restart at 0).
    return { ...FACTORY_SHADOW };
  }
}

export function saveShadowRecord(settings: SettingsStore, record: ShadowRecord): void {
  settings.set(SETTING_SHADOW, JSON.stringify(ShadowRecord.parse(record)));
}

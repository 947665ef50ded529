import { z } from 'zod';

/**
 * The config shadow: the backend's desired config for one kiosk and the
 * kiosk's report of what it runs. Both retained, so a kiosk that was offline
 * picks up the newest desired document when it reconnects, and the backend
 * sees the last report without asking.
 *
 *   kiosk/v1/{deviceId}/shadow/desired   backend -> kiosk  SignedDocument of kiosk.shadow-desired/1
 *   kiosk/v1/{deviceId}/shadow/reported  kiosk -> backend  kiosk.shadow-reported/1
 *
 * A `config.update` command carries the same {version, patch} and goes
 * through the same path; the desired topic is how an offline kiosk catches up.
 */
export const SHADOW_DESIRED_SCHEMA = 'kiosk.shadow-desired/1';
export const SHADOW_REPORTED_SCHEMA = 'kiosk.shadow-reported/1';

export const ShadowDesired = z
  .object({
    schema: z.literal(SHADOW_DESIRED_SCHEMA),
    deviceId: z.string().min(1),
    version: z.number().int().min(1).describe('strictly increasing per device; a document with a version the kiosk already handled is ignored'),
    issuedAt: z.iso.datetime({ offset: true }),
    patch: z.record(z.string(), z.unknown()).describe('JSON merge patch (RFC 7396) over the fleet-managed part of device-config'),
  })
  .strict();
export type ShadowDesired = z.infer<typeof ShadowDesired>;

export const ShadowState = z.enum(['applied', 'rejected', 'rolled-back', 'applying']);

export const ShadowReported = z
  .object({
    schema: z.literal(SHADOW_REPORTED_SCHEMA),
    deviceId: z.string().min(1),
    desiredVersion: z.number().int().min(0).describe('the newest desired version the kiosk has handled; 0 before any'),
    appliedVersion: z.number().int().min(0).describe('the desired version the running config came from; 0 for the factory config'),
    state: ShadowState.describe('outcome of desiredVersion'),
    reason: z.string().max(500).nullable().describe('why it was rejected or rolled back; null otherwise'),
    config: z.record(z.string(), z.unknown()).describe('the fleet-managed part of the running config (no secrets)'),
    time: z.iso.datetime({ offset: true }),
  })
  .strict();
export type ShadowReported = z.infer<typeof ShadowReported>;

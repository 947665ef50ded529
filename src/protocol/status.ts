import { z } from 'zod';

/** Retained on kiosk/v1/{deviceId}/status: the birth message, and the last will that replaces it. */
export const STATUS_SCHEMA = 'kiosk.status/1';

export const KioskStatus = z
  .object({
    schema: z.literal(STATUS_SCHEMA),
    deviceId: z.string().min(1),
    stationId: z.string().min(1).describe('the parcel station the kiosk stands at'),
    online: z.boolean(),
    bootId: z.uuid(),
    runtimeVersion: z.string(),
    time: z.iso.datetime({ offset: true }).describe('wall time the message was composed; for the will, the time of connecting'),
  })
  .strict();

export type KioskStatus = z.infer<typeof KioskStatus>;

import { z } from 'zod';

/**
 * The backend's application-level acknowledgement, on kiosk/v1/{deviceId}/ack
 * (backend -> kiosk, QoS 1, retained). `ackedSeq` is the high-watermark of
 * contiguous seqs the backend has durably stored for this device: every seq
 * 1..ackedSeq is stored. A PUBACK only says the broker took a message; this
 * says the backend has it, so only this lets the kiosk delete outbox rows.
 */
export const ACK_SCHEMA = 'kiosk.ack/1';

export const EventsAck = z
  .object({
    schema: z.literal(ACK_SCHEMA),
    deviceId: z.string().min(1),
    ackedSeq: z.number().int().min(0).describe('every seq from 1 to this one is durably stored by the backend'),
    time: z.iso.datetime({ offset: true }).describe('backend wall time the acknowledgement was composed'),
  })
  .strict();

export type EventsAck = z.infer<typeof EventsAck>;

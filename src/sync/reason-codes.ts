/**
 * What an MQTT 5 PUBACK reason code means for a publish (MQTT 5.0 §3.4.2.1).
 *
 *   delivered  the broker has it
 *   retry      not taken now, but the same publish may succeed later (quota, busy, no subscriber yet)
 *   park       the broker will refuse it again until someone changes the setup (ACL, topic, payload):
 *              stop sending, keep the data, report it
 */
export type PublishVerdict = 'delivered' | 'retry' | 'park';

export const ReasonCode = {
  Success: 0x00,
  NoMatchingSubscribers: 0x10,
  UnspecifiedError: 0x80,
  ImplementationSpecificError: 0x83,
  NotAuthorized: 0x87,
  ServerBusy: 0x89,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  PayloadFormatInvalid: 0x99,
} as const;

const parkCodes: ReadonlySet<number> = new Set([ReasonCode.NotAuthorized, ReasonCode.TopicNameInvalid, ReasonCode.PacketTooLarge, ReasonCode.PayloadFormatInvalid]);

export function publishVerdict(reasonCode: number | undefined, requiresSubscriber: boolean): PublishVerdict {
  if (reasonCode === undefined || reasonCode === ReasonCode.Success) return 'delivered';
  if (reasonCode === ReasonCode.NoMatchingSubscribers) return requiresSubscriber ? 'retry' : 'delivered';
  if (reasonCode < 0x80) return 'delivered';
  return parkCodes.has(reasonCode) ? 'park' : 'retry';
}

const names: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ReasonCode).map(([name, code]) => [code, name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`))]),
);

/** "not-authorized (0x87)" */
export function describeReasonCode(code: number): string {
  return `${names[code] ?? 'reason'} (0x${code.toString(16).padStart(2, '0')})`;
}

import { z } from 'zod';

/** How the outbox drains to the broker (src/sync/outbox-sync.ts, docs/protocol.md#delivery). */
export const SyncConfig = z
  .object({
    batchMaxEvents: z.number().int().min(1).max(5000).default(200).describe('most events in one MQTT message'),
    batchMaxBytes: z.number().int().min(1024).max(1024 * 1024).default(128 * 1024).describe('most bytes of event JSON in one MQTT message (one larger event still goes alone)'),
    inFlightMax: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(16)
      .describe("most messages awaiting their PUBACK; the broker's Receive Maximum lowers it (mosquitto: 20)"),
    ackTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe("events published but not covered by the backend's acknowledgement this long after their PUBACK are sent again"),
    unackedMaxEvents: z
      .number()
      .int()
      .min(100)
      // Sized for the bandwidth-delay product of a fast drain: at 120k events/s and ~150 ms from publish to acknowledgement
      // under load, 20,000 held the drain up a third of the time (npm run bench:sync); 40,000 is 20 MB of deposits at most.
      .default(40_000)
      .describe("most events taken by the broker but not yet acknowledged by the backend; more wait, so a backend that stopped storing does not get the whole backlog pushed into a broker queue that drops it"),
    retry: z
      .object({
        initialMs: z.number().int().min(10).default(1000),
        maxMs: z.number().int().min(100).default(60_000),
      })
      .strict()
      .default({ initialMs: 1000, maxMs: 60_000 })
      .describe('pause before sending again after the broker refused a batch it may take later (no subscriber yet, quota): full-jitter backoff between these'),
    backlog: z
      .object({
        eventsPerSecond: z
          .number()
          .int()
          .min(0)
          .default(2000)
          .describe('rate limit for events that were waiting when the connection came up; 0 = no limit. Live events are never limited'),
        startJitterMs: z
          .number()
          .int()
          .min(0)
          .default(10_000)
          .describe('the backlog starts after a random wait in [0, this] from connecting, so a fleet back from an outage does not drain in lock-step'),
      })
      .strict()
      .default({ eventsPerSecond: 2000, startJitterMs: 10_000 }),
  })
  .strict();

export const SYNC_CONFIG_DEFAULT = SyncConfig.parse({});

/** Periodic health reports (src/sync/telemetry-reporter.ts). */
export const TelemetryConfig = z
  .object({
    intervalMs: z.number().int().min(1000).default(60_000).describe('one sample this often'),
    batchMaxSamples: z.number().int().min(1).max(500).default(60).describe('most samples in one message when a backlog is sent'),
  })
  .strict();

export const TELEMETRY_CONFIG_DEFAULT = TelemetryConfig.parse({});

/** The SQLite file and the disk policy (docs/storage.md#disk-budget). */
export const StoreConfig = z
  .object({
    path: z.string().min(1).describe('SQLite file; relative paths resolve against the working directory'),
    budgetBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .default(512 * 1024 * 1024)
      .describe('most bytes the database may take; telemetry is thinned first, then intake pauses (events are never dropped)'),
    reserveFreeBytes: z
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * 1024)
      .describe('free space the filesystem must keep for the system; below it intake pauses as if the budget were reached'),
  })
  .strict();

const ed25519PublicKeyPem = z
  .string()
  .regex(/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/, 'an Ed25519 public key in PEM (SPKI, "BEGIN PUBLIC KEY")');

/** The fleet's public keys: what signed commands, desired configs and model packages are checked against. */
export const FleetConfig = z
  .object({
    keys: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64).describe('the JWS "kid" that names this key'),
            publicKey: ed25519PublicKeyPem,
            use: z.array(z.enum(['commands', 'config', 'models'])).min(1).describe('what the key may sign'),
          })
          .strict(),
      )
      .max(16)
      .default([])
      .describe('several keys allow rotation: the new key is added before the old one is retired'),
    applyHealthTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(600_000)
      .default(60_000)
      .describe('after a config from the fleet (shadow or config.update) is applied and the kiosk restarted, it must start and reach the broker within this, or the last-known-good config is restored'),
  })
  .strict();

export const FLEET_CONFIG_DEFAULT = FleetConfig.parse({});

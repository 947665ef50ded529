import { z } from 'zod';
import { BarcodeConfig } from './barcode-config.js';
import { CameraConfig } from './camera-config.js';
import { ClassifierConfig } from './classifier-config.js';
import { identifier, lineName } from './common.js';
import { CONSOLE_CONFIG_DEFAULT, ConsoleConfig } from './console-config.js';
import { GpioConfig } from './gpio-config.js';
import { ScaleConfig } from './scale-config.js';
import { FLEET_CONFIG_DEFAULT, FleetConfig, StoreConfig, SYNC_CONFIG_DEFAULT, SyncConfig, TELEMETRY_CONFIG_DEFAULT, TelemetryConfig } from './sync-config.js';

export { BarcodeConfig } from './barcode-config.js';
export { CameraConfig } from './camera-config.js';
export { ClassifierConfig } from './classifier-config.js';
export { ConsoleConfig } from './console-config.js';
export { GpioConfig, type GpioLineConfig } from './gpio-config.js';
export { ScaleConfig } from './scale-config.js';
export { FleetConfig, StoreConfig, SyncConfig, TelemetryConfig } from './sync-config.js';

/**
 * device-config: the single source of truth for a kiosk's settings. The
 * TypeScript type and docs/schemas/device-config.schema.json are both derived
 * from this schema (scripts/generate-schemas.ts); defaults live here and only here.
 *
 * configVersion is bumped on any incompatible change; a file of another
 * version is refused with a message saying so.
 */
export const CURRENT_CONFIG_VERSION = 1;

export const DeviceConfig = z
  .object({
    $schema: z.string().optional(),
    configVersion: z.literal(CURRENT_CONFIG_VERSION),
    device: z
      .object({
        id: identifier.describe('unique device id; part of every MQTT topic'),
        stationId: identifier,
      })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).strict().default({ level: 'info' }),
    store: StoreConfig,
    broker: z
      .object({
        url: z
          .string()
          .regex(/^(mqtt|mqtts):\/\/[^\s]+$/, 'an mqtt:// or mqtts:// URL')
          // A user:password@ in the URL would be written to every log line that names the broker.
          .regex(/^[a-z]+:\/\/[^/?#@]*(?:[/?#]|$)/, 'no user name or password in the URL (they would reach the logs): use broker.username and broker.password')
          .describe('mqtt://host:port or mqtts://host:port, without user info (credentials go in username and password)'),
        username: z.string().optional(),
        password: z.string().optional(),
        caFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of the CA that signs the broker certificate, trusted instead of the CAs Node.js trusts by default; written by the console (broker ca)'),
        certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS, with keyFile; written by the console (broker cert)'),
        keyFile: z.string().min(1).optional().describe('PEM private key of certFile (mode 0600); written by the console (broker key)'),
        keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
        connectTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
        reconnect: z
          .object({
            initialMs: z.number().int().min(10).default(1000),
            maxMs: z.number().int().min(100).default(60_000),
          })
          .strict()
          .default({ initialMs: 1000, maxMs: 60_000 }),
      })
      .strict(),
    sync: SyncConfig.default(SYNC_CONFIG_DEFAULT),
    telemetry: TelemetryConfig.default(TELEMETRY_CONFIG_DEFAULT),
    fleet: FleetConfig.default(FLEET_CONFIG_DEFAULT),
    hardware: z
      .object({
        scale: ScaleConfig,
        barcode: BarcodeConfig,
        camera: CameraConfig,
        gpio: GpioConfig,
      })
      .strict(),
    classifier: ClassifierConfig,
    console: ConsoleConfig.default(CONSOLE_CONFIG_DEFAULT),
    simulation: z
      .object({
        scenario: z.string().min(1).describe('scenario file driving the simulated devices'),
      })
      .strict()
      .optional(),
    deposit: z
      .object({
        itemSensor: lineName.default('item-present'),
        doorLock: lineName.default('door-lock'),
        rejectLamp: lineName.default('lamp-reject'),
        stableTimeoutMs: z.number().int().min(100).default(5000),
        minItemGrams: z.number().min(0).default(5),
        maxItemGrams: z.number().positive().default(10_000),
        minConfidence: z.number().min(0).max(1).default(0.6),
        diverterPulseMs: z.number().int().min(1).default(300),
        removalReminderMs: z
          .number()
          .int()
          .min(100)
          .default(30_000)
          .describe('while an item waits to be taken out, log a reminder this often; the kiosk waits as long as it takes'),
        consumerCodeTtlMs: z.number().int().min(1000).default(120_000),
      })
      .strict()
      .default({
        itemSensor: 'item-present',
        doorLock: 'door-lock',
        rejectLamp: 'lamp-reject',
        stableTimeoutMs: 5000,
        minItemGrams: 5,
        maxItemGrams: 10_000,
        minConfidence: 0.6,
        diverterPulseMs: 300,
        removalReminderMs: 30_000,
        consumerCodeTtlMs: 120_000,
      }),
    bins: z
      .record(
        identifier,
        z
          .object({
            diverter: lineName,
            fullSensor: lineName.optional().describe('GPIO input that is active while the bin is full; items for a full bin are refused with "bin-full"'),
          })
          .strict(),
      )
      .describe('bins by name, each with the GPIO output that routes an item into it'),
    routes: z.record(z.string().min(1), identifier).describe('classifier label -> bin name; labels not listed are rejected'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const lines = config.hardware.gpio.lines;
    const requireLine = (name: string, direction: 'in' | 'out', path: (string | number)[]): void => {
      const line = lines[name];
      if (!line) {
        ctx.addIssue({ code: 'custom', path, message: `GPIO line "${name}" is not declared under hardware.gpio.lines` });
      } else if (line.direction !== direction) {
        ctx.addIssue({ code: 'custom', path, message: `GPIO line "${name}" must be an ${direction}put` });
      }
    };
    requireLine(config.deposit.itemSensor, 'in', ['deposit', 'itemSensor']);
    requireLine(config.deposit.doorLock, 'out', ['deposit', 'doorLock']);
    requireLine(config.deposit.rejectLamp, 'out', ['deposit', 'rejectLamp']);
    for (const [bin, { diverter, fullSensor }] of Object.entries(config.bins)) {
      requireLine(diverter, 'out', ['bins', bin, 'diverter']);
      if (fullSensor !== undefined) requireLine(fullSensor, 'in', ['bins', bin, 'fullSensor']);
    }
    if ((config.broker.certFile === undefined) !== (config.broker.keyFile === undefined)) {
      const missing = config.broker.certFile === undefined ? 'certFile' : 'keyFile';
      ctx.addIssue({ code: 'custom', path: ['broker', missing], message: 'a client certificate needs its key: set both broker.certFile and broker.keyFile, or neither' });
    }
    if ('reject' in config.bins) {
      ctx.addIssue({ code: 'custom', path: ['bins', 'reject'], message: '"reject" is the route of refused items and cannot name a bin' });
    }
    for (const [label, bin] of Object.entries(config.routes)) {
      if (!(bin in config.bins)) {
        ctx.addIssue({ code: 'custom', path: ['routes', label], message: `bin "${bin}" is not declared under bins` });
      }
    }
    const hardware = [config.hardware.scale, config.hardware.barcode, config.hardware.camera, config.hardware.gpio];
    if (config.simulation && hardware.some((device) => device.kind !== 'simulated')) {
      ctx.addIssue({ code: 'custom', path: ['simulation'], message: 'a scenario needs every device under hardware to be simulated' });
    }
    if (config.classifier.kind === 'scenario' && config.hardware.camera.kind !== 'simulated') {
      ctx.addIssue({ code: 'custom', path: ['classifier', 'kind'], message: 'the "scenario" classifier only works with the simulated camera' });
    }
  });

export type DeviceConfig = z.infer<typeof DeviceConfig>;
export type DeviceConfigInput = z.input<typeof DeviceConfig>;


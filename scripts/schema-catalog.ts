/**
 * Every JSON format the project writes down, by file name under docs/schemas/.
 * The zod schemas in src/ are the source of truth; these files are generated
 * from them (npm run schemas) and a test fails when they drift.
 */
import { z } from 'zod';
import { Scenario } from '../src/hardware/simulation/scenario.js';
import { DeviceConfig } from '../src/ops/config/schema.js';
import {
  ConsoleCommandPayload,
  DepositPayload,
  DeviceFaultPayload,
  DeviceRecoveredPayload,
  EventsBatch,
  KioskEvent,
  KioskStartedPayload,
  ModelUpdatedPayload,
  ModelUpdateFailedPayload,
  OutboxErasedPayload,
} from '../src/protocol/events.js';
import { CommandResult, KioskCommand } from '../src/protocol/commands.js';
import { ModelPackage } from '../src/protocol/model-package.js';
import { ShadowDesired, ShadowReported } from '../src/protocol/shadow.js';
import { SignedDocument } from '../src/protocol/signed.js';
import { EventsAck } from '../src/protocol/ack.js';
import { KioskStatus } from '../src/protocol/status.js';
import { TelemetryBatch, TelemetrySample } from '../src/protocol/telemetry.js';
import { LabelMap } from '../src/vision/label-map.js';
import { ModelManifest } from '../src/vision/model-manifest.js';

const BASE_ID = 'https://kiosk-runtime.invalid/schemas/';

interface CatalogEntry {
  file: string;
  title: string;
  schema: z.ZodType;
  /** Config files are written by people: describe what they may leave out (defaults apply). */
  io: 'input' | 'output';
}

export const schemaCatalog: readonly CatalogEntry[] = [
  { file: 'device-config.schema.json', title: 'kiosk-runtime device-config, version 1', schema: DeviceConfig, io: 'input' },
  { file: 'scenario.schema.json', title: 'kiosk-runtime simulation scenario, version 1', schema: Scenario, io: 'input' },
  { file: 'event.schema.json', title: 'kiosk.event/1 — one kiosk event', schema: KioskEvent, io: 'output' },
  { file: 'events-batch.schema.json', title: 'kiosk.events-batch/1 — payload of kiosk/v1/{deviceId}/events', schema: EventsBatch, io: 'output' },
  { file: 'ack.schema.json', title: 'kiosk.ack/1 — retained payload of kiosk/v1/{deviceId}/ack (the backend\'s acknowledgement)', schema: EventsAck, io: 'output' },
  { file: 'telemetry-batch.schema.json', title: 'kiosk.telemetry-batch/1 — payload of kiosk/v1/{deviceId}/telemetry', schema: TelemetryBatch, io: 'output' },
  { file: 'telemetry-sample.schema.json', title: 'kiosk.telemetry/1 — one telemetry sample', schema: TelemetrySample, io: 'output' },
  { file: 'status.schema.json', title: 'kiosk.status/1 — retained payload of kiosk/v1/{deviceId}/status', schema: KioskStatus, io: 'output' },
  { file: 'deposit-payload.schema.json', title: 'payload of deposit.accepted and deposit.rejected events', schema: DepositPayload, io: 'output' },
  { file: 'kiosk-started-payload.schema.json', title: 'payload of kiosk.started events', schema: KioskStartedPayload, io: 'output' },
  { file: 'device-fault-payload.schema.json', title: 'payload of device.fault events', schema: DeviceFaultPayload, io: 'output' },
  { file: 'device-recovered-payload.schema.json', title: 'payload of device.recovered events', schema: DeviceRecoveredPayload, io: 'output' },
  { file: 'console-command-payload.schema.json', title: 'payload of console.command events (technician console audit)', schema: ConsoleCommandPayload, io: 'output' },
  { file: 'model-updated-payload.schema.json', title: 'payload of model.updated events (an over-the-air model update switched models)', schema: ModelUpdatedPayload, io: 'output' },
  { file: 'outbox-erased-payload.schema.json', title: 'payload of outbox.erased events (unsent events a technician erased; the backend accounts for their seqs)', schema: OutboxErasedPayload, io: 'output' },
  { file: 'model-update-failed-payload.schema.json', title: 'payload of model.update-failed events (an over-the-air model update failed or was rolled back)', schema: ModelUpdateFailedPayload, io: 'output' },
  { file: 'signed-document.schema.json', title: 'a signed document from the backend: JWS flattened JSON serialization, EdDSA (Ed25519) with a kid', schema: SignedDocument, io: 'output' },
  { file: 'command.schema.json', title: 'kiosk.command/1 — the signed payload of kiosk/v1/{deviceId}/commands', schema: KioskCommand, io: 'input' },
  { file: 'model-package.schema.json', title: 'kiosk.model-package/1 — the signed payload of model.update params.package (an over-the-air model release)', schema: ModelPackage, io: 'input' },
  { file: 'command-result.schema.json', title: 'kiosk.command-result/1 — payload of kiosk/v1/{deviceId}/command-results', schema: CommandResult, io: 'output' },
  { file: 'shadow-desired.schema.json', title: 'kiosk.shadow-desired/1 — the signed payload of the retained kiosk/v1/{deviceId}/shadow/desired', schema: ShadowDesired, io: 'output' },
  { file: 'shadow-reported.schema.json', title: 'kiosk.shadow-reported/1 — retained payload of kiosk/v1/{deviceId}/shadow/reported', schema: ShadowReported, io: 'output' },
  { file: 'model-manifest.schema.json', title: 'kiosk-runtime model manifest (models/<name>/manifest.json), version 1', schema: ModelManifest, io: 'input' },
  { file: 'label-map.schema.json', title: 'kiosk-runtime label map (model labels -> kiosk labels), version 1', schema: LabelMap, io: 'input' },
];

export function renderSchema(entry: CatalogEntry): string {
  const json = z.toJSONSchema(entry.schema, { io: entry.io, unrepresentable: 'any' });
  const document = { $id: BASE_ID + entry.file, title: entry.title, ...json };
  return `${JSON.stringify(document, null, 2)}\n`;
}

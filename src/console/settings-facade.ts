import type { JsonObject, JsonValue } from './command.js';

/**
 * Configuration as the technician's settings commands see it (config, broker,
 * net test, identity, factory-reset). Implemented in
 * src/app/console-settings-facade.ts.
 *
 * Every change is staged in a candidate file beside the live device-config
 * and validated against the device-config schema as it is staged; nothing
 * changes the running kiosk until `config apply` writes the candidate live
 * (keeping the old file as last-known-good) and restarts, and the next start
 * rolls back by itself if the new config does not start or stay healthy.
 *
 * No method returns a secret: a password shows as "[set]", a key as its
 * fingerprint. Errors are KioskErrors: [E520] a change the schema refuses
 * (the message names the field), [E521] nothing staged, [E522] bad PEM,
 * [E523] a file that cannot be read or written, [E525] a confirmation that did not match.
 */
export interface ConsoleSettingsFacade {
  /** The config the kiosk runs with (defaults filled in), secrets redacted. */
  runningConfig(): JsonObject;
  /** The staged candidate (defaults filled in), secrets redacted; null when nothing is staged. */
  stagedConfig(): JsonObject | null;
  /** The value at a dotted path of the running or the staged config (staged falls back to running). [E520] when there is no such field. */
  valueAt(path: string, from: 'running' | 'staged'): JsonValue;
  /** Stages one change (value undefined removes the field) and validates the whole candidate. Refuses secret paths. */
  stage(path: string, value: unknown): StagedChange;
  /** Candidate against the live file, field by field (secrets as "[set]"). [E521] when nothing is staged. */
  diff(): ConfigChange[];
  /** Drops the candidate (and PEM files only it refers to). False when nothing was staged. */
  discard(): boolean;
  /** Writes the candidate live atomically, keeps last-known-good, and restarts the kiosk. [E521] when nothing is staged. */
  apply(options: ApplyOptions): ApplyView;
  /** What is staged, whether an apply is on probation, and how the last one ended. */
  applyStatus(): ApplyStatusView;

  /** Broker settings `config apply` would use: the staged ones, else the running ones. */
  broker(): BrokerView;
  /** Stages a new broker password (undefined removes it). The password is never stored anywhere but the config file. */
  stageBrokerPassword(password: string | undefined): StagedChange;
  /** Validates and stores a pasted PEM (mode 0600, beside the config) and stages its path; undefined clears it. */
  stageBrokerPem(kind: PemKind, pem: string | undefined): PemStagedView;
  /** DNS, TCP, TLS and MQTT CONNACK with the staged-or-running broker settings, each step bounded by timeoutMs. */
  netTest(options: { timeoutMs: number; signal: AbortSignal }): Promise<NetTestReport>;

  /** True when a per-device technician key is provisioned: it is bound to the device id. */
  technicianKeyProvisioned(): boolean;

  /** What factory-reset would wipe, and how many outbox events are still unsent. */
  factoryResetPreview(): FactoryResetPreview;
  /** Wipes (see FactoryResetView) and restarts the kiosk. `eraseOutboxThroughSeq`: erase events up to that seq (the technician confirmed their loss), or null to keep the outbox. */
  factoryReset(options: { eraseOutboxThroughSeq: number | null; wipeTechnicianKeys: boolean; technician: string | null }): FactoryResetView;
}

export type PemKind = 'ca' | 'cert' | 'key';

export interface StagedChange {
  path: string;
  /** The staged value as shown (secrets as "[set]"); null when removed. */
  value: JsonValue;
  /** Fields of the candidate that now differ from the live file. */
  pendingChanges: number;
}

export interface ConfigChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  live?: JsonValue | undefined;
  staged?: JsonValue | undefined;
}

export interface ApplyOptions {
  technician: string | null;
  /** How long the next start may take to become healthy before it rolls back. */
  healthTimeoutMs: number;
  /** Require a broker connection for health when the broker settings changed (default true). */
  brokerCheck: boolean;
}

export interface ApplyView {
  changes: ConfigChange[];
  lastGood: string;
  healthTimeoutMs: number;
  requireBroker: boolean;
}

export interface ApplyStatusView {
  configFile: string | null;
  staged: boolean;
  pendingChanges: number;
  /** An applied config on probation (only seen between apply and the next healthy start). */
  pending: { appliedAt: string; technician: string | null; requireBroker: boolean } | null;
  lastApply: { outcome: 'applied' | 'rolled-back'; at: string; technician: string | null; reason: string | null } | null;
  lastGoodKept: boolean;
}

export interface PemView {
  file: string;
  /** Certificates: subject, issuer, validity, SHA-256 fingerprint. Keys: type and the SHA-256 of the public key. Never the key. */
  subject?: string;
  issuer?: string;
  validFrom?: string;
  validTo?: string;
  isCa?: boolean;
  keyType?: string;
  fingerprint: string;
}

export interface PemStagedView {
  kind: PemKind;
  /** Null when cleared. */
  pem: PemView | null;
  /** Problems that do not stop staging (e.g. the certificate does not match the staged key yet; an expired certificate). */
  warnings: string[];
}

export interface BrokerView {
  source: 'staged' | 'running';
  url: string;
  username: string | null;
  password: boolean;
  ca: PemView | null;
  cert: PemView | null;
  key: PemView | null;
}

export interface NetStep {
  ok: boolean;
  /** Not run because an earlier step failed, or (tls) the URL is not mqtts. */
  skipped?: boolean;
  ms?: number;
  detail: string;
}

export interface NetTestReport {
  source: 'staged' | 'running';
  url: string;
  host: string;
  port: number;
  dns: NetStep & { addresses?: string[] };
  tcp: NetStep & { address?: string };
  tls: NetStep & {
    protocol?: string | null;
    peerSubject?: string;
    peerIssuer?: string;
    validTo?: string;
    daysLeft?: number;
    verified?: boolean;
    verifyError?: string | null;
  };
  mqtt: NetStep & { reasonCode?: number; reason?: string };
  ok: boolean;
}

export interface FactoryResetPreview {
  deviceId: string;
  unsentEvents: number;
  /** The last seq the confirmation covers: events written after it are kept. */
  lastSeq: number;
  depositState: string;
}

export interface FactoryResetView {
  wiped: string[];
  kept: string[];
  erasedEvents: number;
}

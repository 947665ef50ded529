import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonObject, JsonValue } from '../console/command.js';
import { SETTING_DEVICE_KEY } from '../console/auth.js';
import type {
  ApplyOptions,
  ApplyStatusView,
  ApplyView,
  BrokerView,
  ConfigChange,
  ConsoleSettingsFacade,
  FactoryResetPreview,
  FactoryResetView,
  NetTestReport,
  PemKind,
  PemStagedView,
  StagedChange,
} from '../console/settings-facade.js';
import type { DepositFlow } from '../deposit/deposit-flow.js';
import type { Clock } from '../ops/clock.js';
import { DeviceConfig } from '../ops/config/schema.js';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { EventStore } from '../store/event-store.js';
import type { SettingsStore } from '../store/settings-store.js';
import { requireIdleFlow } from './console-devices/deposit-guard.js';
import { readJsonFile } from './console-settings/atomic-file.js';
import { ConfigStaging, validate } from './console-settings/config-staging.js';
import { factoryReset } from './console-settings/factory-reset.js';
import { getAt, isObject } from './console-settings/json-path.js';
import { runNetTest } from './console-settings/net-test.js';
import { checkPem, describePemFile, loadCertificate, loadKey, prunePemFiles, storePem } from './console-settings/pem.js';
import { hasUrlCredentials, isSecretPath, redactSecrets } from './console-settings/redact.js';

export interface ConsoleSettingsParts {
  config: DeviceConfig;
  /** The live device-config file (absolute); undefined when the kiosk was built without one (some tests). */
  configFile: string | undefined;
  clock: Clock;
  flow: DepositFlow;
  store: EventStore;
  settings: SettingsStore;
  logger: Logger;
  /** Stops the kiosk and exits so the service manager starts it again (main.ts exits 75). */
  requestRestart(reason: string): void;
}

const PEM_FIELD = { ca: 'caFile', cert: 'certFile', key: 'keyFile' } as const;

/** The console's settings commands over the config files (src/console/settings-facade.ts). */
export class KioskConsoleSettingsFacade implements ConsoleSettingsFacade {
  private readonly logger: Logger;

  constructor(private readonly parts: ConsoleSettingsParts) {
    this.logger = parts.logger.child({ component: 'console.settings' });
  }

  private staging(): ConfigStaging {
    if (this.parts.configFile === undefined) {
      throw new KioskError(ErrorCode.ConsoleConfigFileFailed, 'this kiosk runs without a config file (start it with --config) so settings cannot be staged', {});
    }
    return new ConfigStaging(this.parts.configFile);
  }

  runningConfig(): JsonObject {
    return redactSecrets(this.parts.config) as JsonObject;
  }

  stagedConfig(): JsonObject | null {
    const candidate = this.staging().candidate();
    return candidate ? (redactSecrets(validate(candidate)) as JsonObject) : null;
  }

  /** The staged config parsed (defaults filled in), else the running one. */
  private effective(): { config: DeviceConfig; source: 'staged' | 'running' } {
    const candidate = this.parts.configFile === undefined ? undefined : this.staging().candidate();
    if (!candidate) return { config: this.parts.config, source: 'running' };
    const parsed = DeviceConfig.safeParse(candidate);
    if (parsed.success) return { config: parsed.data, source: 'staged' };
    // Only half of a client certificate/key pair is staged (saveUnchecked): show the staged device and broker fields as they stand.
    const { config } = this.parts;
    const device = isObject(candidate.device) ? candidate.device : {};
    const broker = isObject(candidate.broker) ? candidate.broker : {};
    return { config: { ...config, device: { ...config.device, ...device }, broker: { ...config.broker, ...broker } } as DeviceConfig, source: 'staged' };
  }

  valueAt(path: string, from: 'running' | 'staged'): JsonValue {
    const config = from === 'running' ? this.parts.config : this.effective().config;
    const value = getAt(config, path);
    if (value === undefined) throw new KioskError(ErrorCode.ConsoleConfigRejected, `no field ${path} in the ${from} config`, { path });
    return redactSecrets(value, path.split('.').at(-1)) as JsonValue;
  }

  stage(path: string, value: unknown): StagedChange {
    if (isSecretPath(path)) throw new KioskError(ErrorCode.ConsoleConfigRejected, `${path} is a secret: use "broker password", which asks for it without echo`, { path });
    if (typeof value === 'string' && hasUrlCredentials(value)) {
      throw new KioskError(ErrorCode.ConsoleConfigRejected, `${path}: no credentials in a URL; use "broker user" and "broker password"`, { path });
    }
    if (isObject(value) || Array.isArray(value)) {
      const secret = JSON.stringify(value).match(/"(password|secret|token|privateKey|passphrase)"/);
      if (secret) throw new KioskError(ErrorCode.ConsoleConfigRejected, `${path}: a value holding "${secret[1]}" is a secret; use "broker password"`, { path });
    }
    return this.stageUnchecked(path, value);
  }

  private stageUnchecked(path: string, value: unknown): StagedChange {
    const { changes } = this.staging().stage(path, value);
    this.logger.info({ path, changes }, 'config change staged');
    return { path, value: value === undefined ? null : (redactSecrets(value, path.split('.').at(-1)) as JsonValue), pendingChanges: changes };
  }

  diff(): ConfigChange[] {
    return this.staging().diff();
  }

  discard(): boolean {
    const staging = this.staging();
    const had = staging.discard();
    this.prunePem(staging);
    return had;
  }

  apply(options: ApplyOptions): ApplyView {
    const staging = this.staging();
    const candidate = staging.candidate();
    if (candidate) this.assertClientPairMatches(validate(candidate));
    const { changes, requireBroker } = staging.apply(options);
    this.prunePem(staging);
    this.logger.warn({ changes: changes.map((change) => change.path), technician: options.technician, requireBroker }, 'config applied; restarting to use it');
    this.parts.requestRestart(`config apply (${options.technician ?? 'unknown'})`);
    return { changes, lastGood: staging.files.lastGood, healthTimeoutMs: options.healthTimeoutMs, requireBroker };
  }

  applyStatus(): ApplyStatusView {
    const { configFile } = this.parts;
    if (configFile === undefined) return { configFile: null, staged: false, pendingChanges: 0, pending: null, lastApply: null, lastGoodKept: false };
    const staging = this.staging();
    const candidate = staging.candidate();
    const pending = staging.guard.pending();
    const outcome = staging.guard.outcome();
    return {
      configFile,
      staged: candidate !== undefined,
      pendingChanges: candidate ? staging.diff().length : 0,
      pending: pending ? { appliedAt: pending.appliedAt, technician: pending.technician, requireBroker: pending.requireBroker } : null,
      lastApply: outcome ? { outcome: outcome.outcome, at: outcome.at, technician: outcome.technician, reason: outcome.reason } : null,
      lastGoodKept: existsSync(staging.files.lastGood),
    };
  }

  broker(): BrokerView {
    const { config, source } = this.effective();
    const { broker } = config;
    return {
      source,
      url: redactSecrets(broker.url) as string,
      username: broker.username ?? null,
      password: broker.password !== undefined,
      ca: describePemFile('ca', broker.caFile),
      cert: describePemFile('cert', broker.certFile),
      key: describePemFile('key', broker.keyFile),
    };
  }

  stageBrokerPassword(password: string | undefined): StagedChange {
    return this.stageUnchecked('broker.password', password === '' ? undefined : password);
  }

  stageBrokerPem(kind: PemKind, pem: string | undefined): PemStagedView {
    const staging = this.staging();
    const path = `broker.${PEM_FIELD[kind]}`;
    if (pem === undefined) {
      // Client certificate and key go together: clearing one clears both.
      const fields = kind === 'ca' ? ['caFile'] : ['certFile', 'keyFile'];
      let document = staging.base();
      for (const field of fields) document = { ...document, broker: { ...(document.broker as object), [field]: undefined } };
      staging.save(JSON.parse(JSON.stringify(document)) as typeof document);
      this.prunePem(staging);
      return { kind, pem: null, warnings: kind === 'ca' ? [] : ['client certificate and key both cleared'] };
    }
    const checked = checkPem(kind, pem);
    const warnings = this.pemWarnings(checked);
    const file = storePem(dirname(staging.files.live), checked);
    const document = staging.base();
    const broker = { ...(document.broker as Record<string, unknown>), [PEM_FIELD[kind]]: file };
    // A certificate without its key (or the reverse) is not a valid config yet: stage both halves' state as they stand.
    const next = { ...document, broker };
    try {
      staging.save(next);
    } catch (error) {
      if (!isPairIncomplete(error)) throw error;
      // Keep the half-pair as a candidate anyway so the other half can follow; apply checks it is complete.
      staging.saveUnchecked(next);
      warnings.push(kind === 'cert' ? 'paste the matching key (broker key) before config apply' : 'paste the matching certificate (broker cert) before config apply');
    }
    this.prunePem(staging);
    this.logger.info({ path, fingerprint: checked.view.fingerprint }, 'broker PEM staged');
    return { kind, pem: { file, ...checked.view }, warnings };
  }

  private pemWarnings(checked: ReturnType<typeof checkPem>): string[] {
    const warnings: string[] = [];
    const now = this.parts.clock.wallNow().getTime();
    if (checked.certificate) {
      if (Date.parse(checked.certificate.validTo) < now) warnings.push(`certificate expired on ${new Date(checked.certificate.validTo).toISOString()} (or the kiosk clock is wrong)`);
      if (Date.parse(checked.certificate.validFrom) > now) warnings.push(`certificate not valid before ${new Date(checked.certificate.validFrom).toISOString()} (or the kiosk clock is wrong)`);
      if (checked.kind === 'ca' && !checked.certificate.ca) warnings.push('not a CA certificate; trusted as the broker certificate itself (pinned)');
    }
    const { config } = this.effectiveOrUnchecked();
    if (checked.kind === 'cert' && checked.certificate && config.keyFile) {
      const key = loadKey(config.keyFile);
      if (key && !checked.certificate.checkPrivateKey(key)) warnings.push('does not match the staged key; paste the matching key (broker key) before config apply');
    }
    if (checked.kind === 'key' && checked.key && config.certFile) {
      const certificate = loadCertificate(config.certFile);
      if (certificate && !certificate.checkPrivateKey(checked.key)) warnings.push('does not match the staged certificate; paste the matching certificate (broker cert) before config apply');
    }
    return warnings;
  }

  /** The broker section of candidate-or-live as it stands, even when only half a client pair is staged. */
  private effectiveOrUnchecked(): { config: Partial<DeviceConfig['broker']> } {
    const base = this.staging().base();
    return { config: isObject(base.broker) ? (base.broker as Partial<DeviceConfig['broker']>) : {} };
  }

  /** apply refuses a client certificate and key that are not a pair: the kiosk could not connect with them. */
  private assertClientPairMatches(config: DeviceConfig): void {
    const { certFile, keyFile } = config.broker;
    if (certFile === undefined || keyFile === undefined) return;
    const certificate = loadCertificate(certFile);
    const key = loadKey(keyFile);
    if (!certificate || !key) throw new KioskError(ErrorCode.ConsolePemInvalid, 'the staged client certificate or key cannot be read; paste them again', {});
    if (!certificate.checkPrivateKey(key)) throw new KioskError(ErrorCode.ConsolePemInvalid, 'the staged client certificate and key do not match; paste the matching pair', {});
  }

  private prunePem(staging: ConfigStaging): void {
    const keep = new Set<string>();
    for (const document of [staging.live(), staging.candidate(), safeRead(staging.files.lastGood)]) {
      const broker = isObject(document?.broker) ? document.broker : {};
      for (const field of Object.values(PEM_FIELD)) if (typeof broker[field] === 'string') keep.add(broker[field]);
    }
    prunePemFiles(dirname(staging.files.live), keep);
  }

  async netTest(options: { timeoutMs: number; signal: AbortSignal }): Promise<NetTestReport> {
    const { config, source } = this.effective();
    return runNetTest({ broker: config.broker, source, clientId: `kiosk-${config.device.id}-nettest`, timeoutMs: options.timeoutMs, signal: options.signal, now: () => this.parts.clock.wallNow() });
  }

  technicianKeyProvisioned(): boolean {
    return this.parts.settings.get(SETTING_DEVICE_KEY) !== undefined;
  }

  factoryResetPreview(): FactoryResetPreview {
    const stats = this.parts.store.stats();
    return { deviceId: this.parts.config.device.id, unsentEvents: stats.unsent, lastSeq: stats.lastSeq, depositState: this.parts.flow.state };
  }

  factoryReset(options: { eraseOutboxThroughSeq: number | null; wipeTechnicianKeys: boolean; technician: string | null }): FactoryResetView {
    requireIdleFlow(this.parts.flow, 'factory-reset');
    const { eraseOutboxThroughSeq, ...rest } = options;
    const erasure = eraseOutboxThroughSeq === null ? null : this.parts.store.eraseThrough(eraseOutboxThroughSeq, { reason: 'factory-reset', technician: options.technician });
    const view = factoryReset({ staging: this.staging(), config: this.parts.config, ...rest, erasedOutbox: erasure ? { erased: erasure.payload.erased } : null });
    this.logger.warn({ technician: options.technician, wiped: view.wiped.length, erasedEvents: view.erasedEvents }, 'factory reset; restarting');
    this.parts.requestRestart(`factory-reset (${options.technician ?? 'unknown'})`);
    return view;
  }
}

function isPairIncomplete(error: unknown): boolean {
  return error instanceof KioskError && error.code === ErrorCode.ConsoleConfigRejected && /broker\.(certFile|keyFile): a client certificate needs its key/.test(error.message) && !/; /.test(error.message);
}

/** A config file's broker section for pruning; an unreadable file refers to nothing. */
function safeRead(file: string): Record<string, unknown> | undefined {
  try {
    const document = readJsonFile(file);
    return isObject(document) ? document : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config shadow on the kiosk:
 *
 *   shadow/desired (retained, signed, use "config") ─┐
 *   config.update command (params {version, patch}) ─┴─► version > last handled? ─► patch only fleet-managed keys?
 *        ─► RFC 7396 merge over the live file ─► device-config schema ─► apply guard (last-good, marker) ─► restart (exit 75)
 *   next start: the guard keeps or rolls back ─► settle() ─► shadow/reported (retained) + the command's final result
 *
 * Refusals change nothing but the record of the version handled; the outcome
 * is always on shadow/reported. docs/protocol.md#config-shadow.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '../../ops/clock.js';
import { describeIssues } from '../../ops/config/load.js';
import { DeviceConfig } from '../../ops/config/schema.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';
import type { Logger } from '../../ops/logger.js';
import { SHADOW_REPORTED_SCHEMA, ShadowDesired, type ShadowReported } from '../../protocol/shadow.js';
import { topicSettings } from '../../protocol/topics.js';
import type { SettingsStore } from '../../store/settings-store.js';
import type { CommandFinisher, CommandOutcome } from '../commands/command-handlers.js';
import type { FleetKeyring } from '../commands/fleet-keyring.js';
import { verifySignedDocument } from '../commands/signed-document.js';
import { TokenBucket } from '../token-bucket.js';
import type { DownlinkMessage, Uplink } from '../uplink.js';
import { forbiddenPaths } from './fleet-managed.js';
import { mergePatch } from './merge-patch.js';
import { loadShadowRecord, saveShadowRecord, type ShadowRecord } from './shadow-record.js';
import type { ShadowConfigTarget } from './shadow-target.js';

export interface ShadowServiceOptions {
  uplink: Uplink;
  deviceId: string;
  keyring: FleetKeyring;
  settings: SettingsStore;
  target: ShadowConfigTarget;
  clock: Clock;
  logger: Logger;
  /** Gives a config.update its final result after the restart. */
  commands?: CommandFinisher;
}

interface DesiredChange {
  version: number;
  patch: Record<string, unknown>;
  commandId: string | null;
}

export class ShadowService {
  private running = false;
  /** An apply is written and the kiosk is restarting: nothing else is applied in this process. */
  private restarting = false;
  /** A desired document that came while an apply was on probation: handled once it is judged. */
  private deferred: DesiredChange | undefined;
  /** Refused desired documents are logged at most this often. */
  private readonly refusalLog = new TokenBucket(1 / 60, 5, () => performance.now());
  private readonly onMessage = (message: DownlinkMessage): void => {
    if (message.name !== 'shadow/desired' || !this.running) return;
    this.onDesired(message).catch((error: unknown) => this.options.logger.error({ err: error }, 'desired config handling failed'));
  };
  private readonly onConnected = (): void => {
    if (this.onProbation()) return; // settle() reports once the guard has judged
    void this.report();
  };

  constructor(private readonly options: ShadowServiceOptions) {}

  /** Judges an apply from before the restart (when the guard has), then listens. Call before the uplink starts. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.settle();
    this.options.uplink.on('message', this.onMessage);
    this.options.uplink.on('connected', this.onConnected);
  }

  stop(): void {
    this.running = false;
    this.options.uplink.off('message', this.onMessage);
    this.options.uplink.off('connected', this.onConnected);
  }

  get record(): ShadowRecord {
    return loadShadowRecord(this.options.settings);
  }

  /** The config.update command whose apply is still to be judged finishes through settle(): it stays open over the restart. */
  resumes(commandId: string): boolean {
    return this.record.pending?.commandId === commandId;
  }

  /**
   * Records the guard's verdict on a pending apply, reports it and finishes
   * its command. Called at start and again when main.ts's supervisor has
   * confirmed an apply on probation.
   */
  settle(): void {
    const record = this.record;
    const pending = record.pending;
    if (!pending) return;
    const verdict = this.options.target.verdictOf(pending.tag);
    if (verdict.state === 'probation') return;
    const next: ShadowRecord =
      verdict.state === 'applied'
        ? { ...record, appliedVersion: pending.version, state: 'applied', reason: null, pending: null }
        : {
            ...record,
            state: 'rolled-back',
            reason: verdict.state === 'rolled-back' ? verdict.reason : 'the kiosk restarted before the new config was put live; the previous config stays',
            pending: null,
          };
    saveShadowRecord(this.options.settings, next);
    this.options.logger.info({ version: pending.version, state: next.state, reason: next.reason }, 'desired config judged');
    if (pending.commandId !== null) {
      const data = { version: pending.version, state: next.state };
      this.options.commands?.finish(
        pending.commandId,
        next.state === 'applied'
          ? { status: 'ok', data }
          : { status: 'failed', data, error: { code: ErrorCode.ConfigRolledBack, message: `[E${ErrorCode.ConfigRolledBack}] rolled back to the last-known-good config: ${next.reason ?? 'unknown'}` } },
      );
    }
    void this.report();
    const deferred = this.deferred;
    this.deferred = undefined;
    if (deferred) this.change(deferred).catch((error: unknown) => this.logRefusal(error, deferred.version));
  }

  /** config.update: the same path as shadow/desired. Throws (the command fails) when refused. */
  update(params: { version: number; patch: Record<string, unknown> }, commandId: string): Promise<CommandOutcome> {
    if (this.onProbation()) {
      return Promise.reject(new KioskError(ErrorCode.CommandBusy, 'the previous config apply is still on probation; send it again once shadow/reported shows its outcome', {}));
    }
    return this.change({ ...params, commandId });
  }

  private async onDesired(message: DownlinkMessage): Promise<void> {
    const { keyring, deviceId } = this.options;
    const signed = await verifySignedDocument(message.payload, { keyring, use: 'config', maxBytes: topicSettings['shadow/desired'].maxBytes ?? message.payload.length, tooLarge: message.tooLarge });
    if (!signed.ok) return this.logRefusal(new KioskError(ErrorCode.ShadowRejected, `desired config refused: ${signed.rejection}: ${signed.detail}`, { rejection: signed.rejection }), undefined);
    const parsed = ShadowDesired.safeParse(signed.document);
    if (!parsed.success) return this.logRefusal(new KioskError(ErrorCode.ShadowRejected, `desired config refused: not a valid kiosk.shadow-desired/1: ${describeIssues(parsed.error.issues).join('; ').slice(0, 300)}`), undefined);
    const desired = parsed.data;
    if (desired.deviceId !== deviceId) return this.logRefusal(new KioskError(ErrorCode.ShadowRejected, `desired config refused: it is for ${desired.deviceId.slice(0, 64)}`), desired.version);
    const change: DesiredChange = { version: desired.version, patch: desired.patch, commandId: null };
    if (this.restarting) return; // the retained document comes again after the restart
    if (this.onProbation()) {
      if (desired.version > this.record.desiredVersion) this.deferred = change;
      return;
    }
    if (desired.version <= this.record.desiredVersion) {
      this.options.logger.debug({ version: desired.version, handled: this.record.desiredVersion }, 'desired config already handled');
      return;
    }
    await this.change(change).catch((error: unknown) => this.logRefusal(error, desired.version));
  }

  private async change(change: DesiredChange): Promise<CommandOutcome> {
    const { target, settings, logger } = this.options;
    if (this.restarting) throw new KioskError(ErrorCode.CommandBusy, 'a config apply is restarting the kiosk; send it again afterwards', {});
    const record = this.record;
    if (change.version <= record.desiredVersion) {
      throw new KioskError(ErrorCode.ShadowStale, `desired version ${change.version} is not higher than ${record.desiredVersion}, the last one handled`, { version: change.version, handled: record.desiredVersion });
    }
    const refuse = (code: ErrorCode, reason: string): KioskError => {
      saveShadowRecord(settings, { ...record, desiredVersion: change.version, state: 'rejected', reason: reason.slice(0, 500), pending: null });
      void this.report();
      return new KioskError(code, `desired config ${change.version} refused: ${reason}`, { version: change.version });
    };
    const live = target.liveDocument();
    if (live === undefined) throw refuse(ErrorCode.ShadowUnavailable, 'this kiosk runs without a config file (start it with --config)');
    const forbidden = forbiddenPaths(change.patch);
    if (forbidden.length > 0) throw refuse(ErrorCode.ShadowRejected, `not fleet-managed: ${forbidden.slice(0, 10).join(', ')}`);
    const merged = mergePatch(live, change.patch) as Record<string, unknown>;
    const checked = DeviceConfig.safeParse(merged);
    if (!checked.success) throw refuse(ErrorCode.ShadowRejected, describeIssues(checked.error.issues).join('; '));
    const data = { version: change.version };
    if (isDeepStrictEqual(merged, live)) {
      // Nothing changes: no restart; the running config already is this version.
      saveShadowRecord(settings, { ...record, desiredVersion: change.version, appliedVersion: change.version, state: 'applied', reason: null, pending: null });
      logger.info({ version: change.version }, 'desired config changes nothing; recorded as applied');
      void this.report();
      return { status: 'ok', data: { ...data, state: 'applied', restart: false } };
    }
    const tag = `fleet:v${change.version}`;
    saveShadowRecord(settings, { ...record, desiredVersion: change.version, state: 'applying', reason: null, pending: { version: change.version, tag, commandId: change.commandId } });
    try {
      target.apply(merged, tag);
    } catch (error) {
      throw refuse(ErrorCode.ShadowRejected, `the config could not be written: ${(error as Error).message}`);
    }
    this.restarting = true;
    logger.warn({ version: change.version, keys: Object.keys(change.patch) }, 'desired config applied; restarting to use it');
    const restart = (): void => {
      void this.report().finally(() => target.requestRestart(`desired config ${change.version}`));
    };
    if (change.commandId === null) restart();
    return { status: 'in-progress', data: { ...data, state: 'applying', restart: true }, afterPublish: restart };
  }

  private onProbation(): boolean {
    const pending = this.record.pending;
    return pending !== null && this.options.target.verdictOf(pending.tag).state === 'probation';
  }

  private logRefusal(error: unknown, version: number | undefined): void {
    if (!this.refusalLog.take(1)) return;
    this.options.logger.warn({ err: error, version }, 'desired config not applied');
  }

  /** Publishes the retained shadow/reported now, when connected; a failure is only logged (the next connect reports again). */
  private async report(): Promise<void> {
    const { uplink, deviceId, clock, target, logger } = this.options;
    if (!uplink.isConnected) return;
    const record = this.record;
    const reported: ShadowReported = {
      schema: SHADOW_REPORTED_SCHEMA,
      deviceId,
      desiredVersion: record.desiredVersion,
      appliedVersion: record.appliedVersion,
      state: record.state,
      reason: record.reason === null ? null : record.reason.slice(0, 500),
      config: target.reportedConfig(),
      time: clock.wallNow().toISOString(),
    };
    try {
      await uplink.publish('shadow/reported', JSON.stringify(reported));
    } catch (error) {
      logger.warn({ err: error }, 'could not publish shadow/reported');
    }
  }
}

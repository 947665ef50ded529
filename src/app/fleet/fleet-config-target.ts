/**
 * The shadow's way to change the running config (src/sync/shadow/shadow-target.ts),
 * through the console's own apply machinery: ConfigApplyGuard keeps the live
 * file as last-known-good, writes the marker and puts the new file live; the
 * restart (exit 75) and main.ts's supervisor then keep it or roll it back
 * exactly as for a technician's `config apply`. A fleet apply always requires
 * the broker connection to count as healthy: the fleet must be able to reach
 * the kiosk with the new config, or it is rolled back.
 */
import type { DeviceConfig } from '../../ops/config/schema.js';
import { fleetManagedView } from '../../sync/shadow/fleet-managed.js';
import type { ApplyVerdict, ShadowConfigTarget } from '../../sync/shadow/shadow-target.js';
import { ConfigApplyGuard } from '../config-apply-guard.js';
import { ConfigStaging } from '../console-settings/config-staging.js';
import { redactSecrets } from '../console-settings/redact.js';

export interface FleetConfigTargetParts {
  config: DeviceConfig;
  /** The live device-config file (absolute); undefined when the kiosk runs without one (some tests). */
  configFile: string | undefined;
  requestRestart(reason: string): void;
}

export class FleetConfigTarget implements ShadowConfigTarget {
  constructor(private readonly parts: FleetConfigTargetParts) {}

  liveDocument(): Record<string, unknown> | undefined {
    const { configFile } = this.parts;
    return configFile === undefined ? undefined : new ConfigStaging(configFile).live();
  }

  apply(document: Record<string, unknown>, tag: string): void {
    this.guard().apply(`${JSON.stringify(document, null, 2)}\n`, { technician: tag, healthTimeoutMs: this.parts.config.fleet.applyHealthTimeoutMs, requireBroker: true });
  }

  verdictOf(tag: string): ApplyVerdict {
    if (this.parts.configFile === undefined) return { state: 'unknown' };
    const guard = this.guard();
    let pending;
    try {
      pending = guard.pending();
    } catch {
      pending = undefined;
    }
    if (pending?.technician === tag) return { state: 'probation' };
    const outcome = guard.outcome();
    if (outcome?.technician !== tag) return { state: 'unknown' };
    return outcome.outcome === 'applied' ? { state: 'applied' } : { state: 'rolled-back', reason: outcome.reason ?? 'unknown' };
  }

  requestRestart(reason: string): void {
    this.parts.requestRestart(reason);
  }

  reportedConfig(): Record<string, unknown> {
    return redactSecrets(fleetManagedView(this.parts.config)) as Record<string, unknown>;
  }

  private guard(): ConfigApplyGuard {
    if (this.parts.configFile === undefined) throw new Error('no config file');
    return new ConfigApplyGuard(this.parts.configFile);
  }
}

/**
 * What the shadow needs from the app layer to change the running config,
 * implemented in src/app/fleet/fleet-config-target.ts over the console's
 * apply machinery (ConfigApplyGuard: last-known-good copy, marker, restart
 * with exit 75, rollback when the kiosk fails its health check). src/sync
 * never touches config files itself.
 */
export type ApplyVerdict = { state: 'probation' } | { state: 'applied' } | { state: 'rolled-back'; reason: string } | { state: 'unknown' };

export interface ShadowConfigTarget {
  /** The live device-config document as its file holds it (defaults not filled in); undefined when the kiosk runs without a config file. */
  liveDocument(): Record<string, unknown> | undefined;
  /** Puts `document` live under the apply guard, tagged `tag`; the caller restarts the kiosk next. */
  apply(document: Record<string, unknown>, tag: string): void;
  /** The guard's verdict on the apply tagged `tag`: still on probation, kept, rolled back, or no trace of it. */
  verdictOf(tag: string): ApplyVerdict;
  /** Stops the kiosk for a restart (main.ts exits 75; the service manager starts it again). */
  requestRestart(reason: string): void;
  /** The running config's fleet-managed part, with secrets redacted. */
  reportedConfig(): Record<string, unknown>;
}

/**
 * Which parts of device-config the fleet may change (config shadow and
 * config.update). Everything else belongs to the kiosk and its technician:
 * device identity, the broker and its credentials, the store, the fleet keys
 * themselves, the hardware (paths, pins, GPIO line names, diverter wiring),
 * the console, the simulation, the model directory (changed only by a signed
 * model.update). A desired patch that touches any of those is refused whole,
 * naming the path; nothing the fleet may change can cut the kiosk off from the
 * broker. docs/protocol.md#fleet-managed-config lists the same table.
 */
import type { DeviceConfig } from '../../ops/config/schema.js';
import { isPlainObject } from './merge-patch.js';

/** `true`: the whole subtree; an object: only the keys listed. */
type Managed = true | { readonly [key: string]: Managed };

export const FLEET_MANAGED: { readonly [key: string]: Managed } = {
  log: true,
  deposit: { stableTimeoutMs: true, minItemGrams: true, maxItemGrams: true, minConfidence: true, removalReminderMs: true, consumerCodeTtlMs: true },
  routes: true,
  classifier: { weightRanges: true, waybillLabels: true },
  sync: true,
  telemetry: true,
};

/** Paths in `patch` the fleet may not change (empty when the patch is allowed). */
export function forbiddenPaths(patch: Record<string, unknown>, managed: { readonly [key: string]: Managed } = FLEET_MANAGED, prefix = ''): string[] {
  const forbidden: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = `${prefix}${key}`;
    const rule = Object.hasOwn(managed, key) ? managed[key] : undefined;
    if (rule === undefined) forbidden.push(path);
    else if (rule === true) continue;
    // A partly managed section can only be patched key by key: replacing or removing it would touch the rest.
    else if (!isPlainObject(value)) forbidden.push(path);
    else forbidden.push(...forbiddenPaths(value, rule, `${path}.`));
  }
  return forbidden;
}

/** The fleet-managed part of a config: what shadow/reported shows. */
export function fleetManagedView(config: DeviceConfig | Record<string, unknown>, managed: { readonly [key: string]: Managed } = FLEET_MANAGED): Record<string, unknown> {
  const source = config as Record<string, unknown>;
  const view: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(managed)) {
    const value = source[key];
    if (value === undefined) continue;
    if (rule === true) view[key] = structuredClone(value);
    else if (isPlainObject(value)) view[key] = fleetManagedView(value, rule);
  }
  return view;
}

import type { SettingsStore } from '../store/settings-store.js';
import { SETTING_DEVICE_KEY, SETTING_FAILED_LOGINS, SETTING_PIN_HASH, SETTING_PIN_RETIRED } from './auth.js';
import { hashPin } from './pin-hash.js';

export interface TechnicianCredentials {
  /** The PIN printed on the device label; only its hash is kept. */
  pin?: string;
  /** This kiosk's technician key: deriveDeviceKey(fleetKey, deviceId). */
  deviceKey?: Buffer;
}

/**
 * Factory provisioning (scripts/provision-console.ts, and tests): writes the
 * label PIN's hash and/or the per-device key, re-arms the PIN and clears the
 * failed-login counter.
 */
export async function provisionTechnicianCredentials(settings: SettingsStore, credentials: TechnicianCredentials): Promise<void> {
  if (credentials.pin !== undefined) {
    if (!/^[0-9A-Za-z]{6,32}$/.test(credentials.pin)) throw new Error('a label PIN is 6 to 32 letters or digits');
    settings.set(SETTING_PIN_HASH, await hashPin(credentials.pin));
    settings.delete(SETTING_PIN_RETIRED);
  }
  if (credentials.deviceKey !== undefined) {
    if (credentials.deviceKey.length < 32) throw new Error('a technician device key is at least 32 bytes');
    settings.set(SETTING_DEVICE_KEY, credentials.deviceKey.toString('hex'));
  }
  settings.delete(SETTING_FAILED_LOGINS);
}

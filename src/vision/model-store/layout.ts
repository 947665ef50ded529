/**
 * Where over-the-air models live: a `models/` directory beside the kiosk's
 * database (store.path), so they sit on the kiosk's data partition, never in
 * the read-only runtime tree that holds the factory model.
 *
 *   <dirname(store.path)>/models/
 *     active.json                  the pointer: which installed model is current, which was before (active-pointer.ts)
 *     <name>@<version>/            one installed model directory: manifest.json, the model file, any other package files
 *     .staging/<name>@<version>/   a download in progress (src/sync/ota/staging.ts)
 *     .trash-<...>                 a directory being deleted (renamed first, so a half-deleted one never keeps its name)
 */
import { dirname, join, resolve } from 'node:path';

export const POINTER_FILE = 'active.json';
export const STAGING_DIR = '.staging';
export const TRASH_PREFIX = '.trash-';

/** The OTA models directory for a database file. */
export function otaModelsRoot(storePath: string): string {
  return join(dirname(resolve(storePath)), 'models');
}

/**
 * Directory name of an installed model: `name@version`, the version
 * percent-encoded (a version may hold "/" or other characters a file name
 * cannot), so it is always one plain path segment.
 */
export function installName(model: { name: string; version: string }): string {
  return `${model.name}@${encodeURIComponent(model.version)}`;
}

/** Names that installName() can produce; anything else in the models directory is not an installed model. */
export const INSTALL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9._~!*'()%-]{1,192}$/;

/** The model id (`name@version`, as in deposit events) of an install name. */
export function modelIdOf(name: string): string {
  const at = name.indexOf('@');
  if (at < 0) return name;
  try {
    return `${name.slice(0, at)}@${decodeURIComponent(name.slice(at + 1))}`;
  } catch {
    return name;
  }
}

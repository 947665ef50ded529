import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirectory, writeFileDurably } from '../../ops/durable-fs.js';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * Replaces `path` so that after a power cut it holds either the old or the new
 * content, never a torn mix (src/ops/durable-fs.ts), with the console's coded error.
 * The console writes configs that may hold the broker password and PEM keys:
 * mode 0600 unless told otherwise.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  try {
    writeFileDurably(path, data, mode);
  } catch (error) {
    throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `cannot write ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}

/** Removes a file (no error when it is absent), durably. */
export function removeFileDurably(path: string): void {
  try {
    rmSync(path, { force: true });
    fsyncDirectory(dirname(path));
  } catch (error) {
    throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `cannot remove ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}

/** Parsed JSON of a file, undefined when it does not exist; E523 when unreadable or not JSON. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KioskError(ErrorCode.ConsoleConfigFileFailed, `${path} is not valid JSON: ${(error as Error).message}`, { path }, { cause: error });
  }
}

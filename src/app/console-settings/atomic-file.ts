import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, KioskError } from '../../ops/errors.js';

/**
 * Replaces `path` so that after a power cut it holds either the old or the new
 * content, never a torn mix: write a temporary file beside it, fsync it,
 * rename it over, fsync the directory (the rename itself must reach the disk).
 * The console writes configs that may hold the broker password and PEM keys:
 * mode 0600 unless told otherwise.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    rmSync(tmp, { force: true });
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

function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * File operations that survive a power cut at any instant, for the few files
 * whose loss or tearing would matter (the active-model pointer, download
 * progress records, installed model directories).
 *
 * A rename is atomic, but it reaches the disk only when its directory is
 * fsync'd; file contents reach it only when the file is. So: write a temp
 * file, fsync it, rename it over, fsync the directory. Plain errors are
 * thrown; callers wrap them in their own coded KioskError.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Replaces `path` with `data`: after a power cut it holds the old or the new content, never a mix. */
export function writeFileDurably(path: string, data: string | Buffer, mode = 0o644): void {
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
    throw error;
  }
}

/** Renames a file or directory and makes the rename durable in both directories. */
export function renameDurably(from: string, to: string): void {
  renameSync(from, to);
  fsyncDirectory(dirname(to));
  if (dirname(from) !== dirname(to)) fsyncDirectory(dirname(from));
}

/** fsyncs a file that is already written (e.g. a downloaded model file before its directory is installed). */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

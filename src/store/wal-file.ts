import { statSync } from 'node:fs';

/** Bytes of a database's WAL file (`<path>-wal`); 0 when there is none (after a clean close, or not in WAL mode). */
export function walFileBytes(databasePath: string): number {
  try {
    return statSync(`${databasePath}-wal`).size;
  } catch {
    return 0;
  }
}

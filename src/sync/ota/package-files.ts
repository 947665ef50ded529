/**
 * Brings every file of a package into the staging area, one after another:
 * a file already complete there (an earlier run got that far) is checked and
 * kept; the others are downloaded resumably and renamed into place.
 */
import { join } from 'node:path';
import type { Logger } from '../../ops/logger.js';
import type { ModelPackage } from '../../protocol/model-package.js';
import { fileMatches } from './file-hash.js';
import { downloadFile, type DownloadSettings } from './resumable-download.js';
import type { Staging } from './staging.js';

export interface FetchProgress {
  file: string;
  /** Bytes of the whole package on disk. */
  doneBytes: number;
  totalBytes: number;
}

export interface FetchResult {
  downloadedBytes: number;
  resumedBytes: number;
}

export async function fetchPackageFiles(
  pkg: ModelPackage,
  name: string,
  staging: Staging,
  options: { settings: DownloadSettings; logger: Logger; signal?: AbortSignal; onProgress?: (progress: FetchProgress) => void; random?: () => number },
): Promise<FetchResult> {
  const totalBytes = pkg.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  const result: FetchResult = { downloadedBytes: 0, resumedBytes: 0 };
  let doneBefore = 0;
  for (const file of pkg.files) {
    if (await fileMatches(join(staging.filesDir(name), file.path), file)) {
      result.resumedBytes += file.sizeBytes;
    } else {
      const fetched = await downloadFile(file, {
        partPath: staging.partPath(name, file.path),
        progressPath: staging.progressPath(name, file.path),
        settings: options.settings,
        logger: options.logger,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.random === undefined ? {} : { random: options.random }),
        onBytes: (committed) => options.onProgress?.({ file: file.path, doneBytes: doneBefore + committed, totalBytes }),
      });
      staging.finishFile(name, file.path);
      result.downloadedBytes += fetched.fetchedBytes;
      result.resumedBytes += fetched.resumedFromBytes;
    }
    doneBefore += file.sizeBytes;
    options.onProgress?.({ file: file.path, doneBytes: doneBefore, totalBytes });
  }
  return result;
}

/** True when `directory` holds every package file with its size and SHA-256 (an install an earlier run completed). */
export async function directoryMatches(pkg: ModelPackage, directory: string): Promise<boolean> {
  for (const file of pkg.files) if (!(await fileMatches(join(directory, file.path), file))) return false;
  return true;
}

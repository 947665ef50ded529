/**
 * The staging area of the one model update in progress, inside the OTA models
 * directory (src/vision/model-store/layout.ts):
 *
 *   .staging/<name>@<version>/
 *     job.json                     the verified package and the command that asked for it: a restart resumes from here
 *     files/<path>.part            a download in progress (resumable-download.ts) ... renamed to files/<path> when complete and verified
 *     progress/<path>.progress.json
 *
 * Nothing here is ever loaded by the classifier: files/ becomes a model
 * directory only by one rename into the models directory (install).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDirectory, renameDurably, writeFileDurably } from '../../ops/durable-fs.js';
import { ModelPackage } from '../../protocol/model-package.js';
import { STAGING_DIR, TRASH_PREFIX } from '../../vision/model-store/layout.js';

export const StagingJob = z
  .object({
    schema: z.literal('kiosk.ota-job/1'),
    package: ModelPackage,
    commandId: z.string().nullable(),
    startedAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export type StagingJob = z.infer<typeof StagingJob>;

const JOB_FILE = 'job.json';

export class Staging {
  readonly root: string;

  constructor(modelsRoot: string) {
    this.root = join(modelsRoot, STAGING_DIR);
  }

  dir(name: string): string {
    return join(this.root, name);
  }

  filesDir(name: string): string {
    return join(this.dir(name), 'files');
  }

  partPath(name: string, file: string): string {
    return join(this.filesDir(name), `${file}.part`);
  }

  progressPath(name: string, file: string): string {
    return join(this.dir(name), 'progress', `${file}.progress.json`);
  }

  /** Makes the staging directory of `name` (keeping what an interrupted run left in it), drops any other, records the job. */
  prepare(name: string, job: StagingJob): void {
    mkdirSync(this.root, { recursive: true });
    for (const entry of readdirSync(this.root)) if (entry !== name) this.removeEntry(entry);
    mkdirSync(this.filesDir(name), { recursive: true });
    mkdirSync(join(this.dir(name), 'progress'), { recursive: true });
    writeFileDurably(join(this.dir(name), JOB_FILE), JSON.stringify(StagingJob.parse(job)));
  }

  /** The job an earlier run left unfinished, if any and readable. */
  pendingJob(): StagingJob | undefined {
    if (!existsSync(this.root)) return undefined;
    for (const entry of readdirSync(this.root)) {
      if (entry.startsWith(TRASH_PREFIX)) continue;
      try {
        const parsed = StagingJob.safeParse(JSON.parse(readFileSync(join(this.dir(entry), JOB_FILE), 'utf8')));
        if (parsed.success) return parsed.data;
      } catch {
        // No readable job: a leftover, removed by the next prepare().
      }
    }
    return undefined;
  }

  /** Moves a complete files/<path>.part to files/<path>, durably. */
  finishFile(name: string, file: string): void {
    renameDurably(this.partPath(name, file), join(this.filesDir(name), file));
    rmSync(this.progressPath(name, file), { force: true });
  }

  /** The rename that installs the staged files as `target` (a directory in the models directory). */
  install(name: string, target: string): void {
    fsyncDirectory(this.filesDir(name));
    renameDurably(this.filesDir(name), target);
  }

  remove(name: string): void {
    this.removeEntry(name);
  }

  private removeEntry(entry: string): void {
    const path = join(this.root, entry);
    if (!existsSync(path)) return;
    const trash = entry.startsWith(TRASH_PREFIX) ? path : join(this.root, `${TRASH_PREFIX}${entry}-${process.pid}-${Date.now()}`);
    if (trash !== path) renameDurably(path, trash);
    rmSync(trash, { recursive: true, force: true });
  }
}

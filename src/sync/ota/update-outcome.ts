/**
 * What ModelUpdater.update() reports: progress while it runs, one outcome at
 * the end. The model.update command handler turns them into command results
 * (in-progress, then ok or failed); the outbox gets a model.updated or
 * model.update-failed event either way (docs/protocol.md#modelupdate).
 */
import type { ModelUpdateStage } from '../../protocol/events.js';
import type { SmokeReport } from '../../vision/model-smoke-test.js';

export type UpdateStage = ModelUpdateStage;

export interface UpdateProgress {
  /** name@version being installed. */
  model: string;
  stage: 'download' | 'verify' | 'smoke-test' | 'install' | 'switch';
  /** The package file being downloaded. */
  file?: string;
  /** Bytes of the package on disk, of totalBytes. */
  doneBytes: number;
  totalBytes: number;
}

export type UpdateOutcome =
  | {
      status: 'ok';
      model: string;
      previous: string;
      /** The kiosk already ran this model: nothing was done. */
      alreadyActive: boolean;
      downloadedBytes: number;
      resumedBytes: number;
      durationMs: number;
      smoke: SmokeReport | null;
      commandId: string | null;
    }
  | {
      status: 'failed';
      model: string;
      stage: UpdateStage;
      error: { code: number; message: string };
      /** name@version running after the failure. */
      active: string;
      /** The new model had been switched to, faulted, and the previous one was restored. */
      rolledBack: boolean;
      commandId: string | null;
    };

export interface UpdateOptions {
  signal?: AbortSignal;
  onProgress?: (progress: UpdateProgress) => void;
  /** The model.update command this runs for; recorded so a restart can finish it. */
  commandId?: string | null;
}

/** The outcome as the data of a command result. */
export function outcomeData(outcome: UpdateOutcome): Record<string, unknown> {
  const data: Record<string, unknown> = { ...outcome };
  delete data.status;
  delete data.error;
  return data;
}

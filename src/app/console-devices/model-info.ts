import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ModelInfoView } from '../../console/device-facade.js';
import type { DepositFlow } from '../../deposit/deposit-flow.js';
import type { Clock } from '../../ops/clock.js';
import type { DeviceConfig } from '../../ops/config/schema.js';
import type { KioskEvent } from '../../protocol/events.js';
import type { Classifier } from '../../vision/classifier.js';
import { modelId, readManifest } from '../../vision/model-manifest.js';
import { OnnxClassifier } from '../../vision/onnx-classifier.js';

type LastInference = NonNullable<ModelInfoView['lastInference']>;

export interface ModelInfoParts {
  config: DeviceConfig;
  classifier: Classifier;
  flow: Pick<DepositFlow, 'on'>;
  clock: Clock;
}

/**
 * `model info`. The classifier exposes its name, labels and health; the rest
 * (input, sha256) is read from the manifest on disk, which start() verified
 * the loaded model against. The last inference is the last deposit the
 * classifier labelled, watched from the flow's `recorded` events since start.
 */
export class ModelInfo {
  private last: { at: string; uptimeMs: number; label: string; confidence: number; model: string } | undefined;

  constructor(private readonly parts: ModelInfoParts) {
    parts.flow.on('recorded', (event) => this.noteDeposit(event));
  }

  async info(): Promise<ModelInfoView> {
    const { classifier, config, clock } = this.parts;
    const lastInference: LastInference | null = this.last
      ? { at: this.last.at, ageMs: Math.max(0, Math.round(clock.uptimeMs() - this.last.uptimeMs)), label: this.last.label, confidence: this.last.confidence, model: this.last.model }
      : null;
    const routes = Object.entries(config.routes).map(([label, bin]) => ({ label, bin, diverter: config.bins[bin]?.diverter ?? null }));
    const base = { model: classifier.model, health: classifier.health(), lastInference, routes };
    const classifierConfig = config.classifier;
    if (classifierConfig.kind !== 'onnx' || !(classifier instanceof OnnxClassifier)) {
      return { ...base, kind: 'scenario', labels: [], manifest: null, manifestNote: 'the scenario classifier has no model file; it reads the simulated frame tags', threads: null, emptyReference: null };
    }
    const labels = [...classifier.labels];
    const threads = classifierConfig.threads;
    const emptyReference = classifierConfig.emptyReference ? { path: resolve(classifierConfig.emptyReference.path), fileExists: existsSync(resolve(classifierConfig.emptyReference.path)) } : null;
    let manifest: ModelInfoView['manifest'] = null;
    let manifestNote: string | null = null;
    try {
      // The directory the classifier loaded: an over-the-air model's, not classifier.modelDir, after an update.
      const read = await readManifest(classifier.modelDir ?? resolve(classifierConfig.modelDir));
      manifest = {
        id: modelId(read),
        labels: read.labels,
        input: { ...read.input },
        sha256: read.model.sha256,
        bytes: read.model.bytes,
        emptyLabel: read.emptyLabel ?? null,
      };
      if (manifest.id !== classifier.model) manifestNote = `the manifest on disk is ${manifest.id}; restart to load it`;
    } catch (error) {
      manifestNote = (error as Error).message;
    }
    return { ...base, kind: 'onnx', labels, manifest, manifestNote, threads, emptyReference };
  }

  private noteDeposit(event: KioskEvent): void {
    if (event.type !== 'deposit.accepted' && event.type !== 'deposit.rejected') return;
    const { label, confidence, model } = event.payload;
    // No label: the classifier did not run (camera or classifier unavailable).
    if (label === null) return;
    this.last = { at: event.time, uptimeMs: event.uptimeMs, label, confidence, model };
  }
}

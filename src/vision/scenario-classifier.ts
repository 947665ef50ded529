import type { DeviceHealth } from '../hardware/device.js';
import { readFrameTag } from '../hardware/simulation/simulated-label.js';
import type { Classification, Classifier } from './classifier.js';

/**
 * Reports the label the simulated camera wrote into the frame, with the
 * scenario's confidence. An untagged frame is an empty chamber.
 */
export class ScenarioClassifier implements Classifier {
  readonly model = 'scenario@1';
  private running = false;

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { state: this.running ? 'running' : 'stopped' };
  }

  async classify(jpeg: Buffer): Promise<Classification> {
    const started = performance.now();
    const tag = readFrameTag(jpeg) ?? { label: 'empty', confidence: 1 };
    const scores = [{ label: tag.label, probability: tag.confidence }];
    if (tag.confidence < 1) scores.push({ label: 'other', probability: Math.round((1 - tag.confidence) * 1e6) / 1e6 });
    return { scores, model: this.model, inferenceMs: performance.now() - started };
  }
}

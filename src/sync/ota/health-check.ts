/**
 * The health check after a switch: the new model's first `required`
 * classifications must run without a model fault. A frame the camera sent
 * broken (E208) says nothing about the model and does not count; any other
 * failure of classify() (inference error, wrong output size, NaN scores)
 * fails the check at once.
 *
 *   classify() ──inference event──► for this model directory? ──error──► failed(error)
 *                                                              └─ok──► count ──required reached──► passed()
 */
import { ErrorCode, isKioskError } from '../../ops/errors.js';
import type { InferenceOutcome, OnnxClassifier } from '../../vision/onnx-classifier.js';

export interface HealthCheckCallbacks {
  passed(): void;
  failed(error: unknown): void;
}

export class HealthCheck {
  private remaining: number;
  private active = false;
  private readonly listener = (outcome: InferenceOutcome): void => this.observe(outcome);

  constructor(
    private readonly classifier: Pick<OnnxClassifier, 'on' | 'off'>,
    readonly modelDir: string,
    required: number,
    private readonly callbacks: HealthCheckCallbacks,
  ) {
    this.remaining = required;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.classifier.on('inference', this.listener);
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.classifier.off('inference', this.listener);
  }

  private observe(outcome: InferenceOutcome): void {
    if (!this.active || outcome.modelDir !== this.modelDir) return;
    if (outcome.error !== undefined) {
      if (isKioskError(outcome.error, ErrorCode.FrameUndecodable)) return;
      this.stop();
      this.callbacks.failed(outcome.error);
      return;
    }
    this.remaining -= 1;
    if (this.remaining <= 0) {
      this.stop();
      this.callbacks.passed();
    }
  }
}

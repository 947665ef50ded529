import type { Device } from '../hardware/device.js';

export interface LabelScore {
  label: string;
  probability: number;
}

export interface Classification {
  /** Every label the model knows, most probable first. */
  scores: LabelScore[];
  /** name@version of the model that produced it. */
  model: string;
  inferenceMs: number;
}

/** Image -> label probabilities. Implementations: the scenario reader (simulation) and the ONNX model. */
export interface Classifier extends Device {
  readonly model: string;
  classify(jpeg: Buffer): Promise<Classification>;
}

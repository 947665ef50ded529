import type { Device } from '../hardware/device.js';

export interface LabelScore {
  label: string;
  probability: number;
}

/** How a frame compares with the calibrated picture of the empty chamber. */
export interface ChamberComparison {
  /** Largest change of a thumbnail cell in one colour channel from the reference (0..1, lighting drift discounted). */
  difference: number;
  /** At or below this the frame looks empty. */
  maxDifference: number;
}

export interface Classification {
  /** Every label the model knows, most probable first. */
  scores: LabelScore[];
  /** name@version of the model that produced it. */
  model: string;
  inferenceMs: number;
  /** Decode, crop, resize and normalise, when the classifier measures it apart from inference. */
  preprocessMs?: number;
  /** The label that means "nothing in the chamber"; the decision assumes "empty" when absent. */
  emptyLabel?: string;
  /** Present when an empty-chamber reference is calibrated. */
  chamber?: ChamberComparison;
}

/** Image -> label probabilities. Implementations: the scenario reader (simulation) and the ONNX model. */
export interface Classifier extends Device {
  readonly model: string;
  classify(jpeg: Buffer): Promise<Classification>;
}

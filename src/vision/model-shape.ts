/**
 * Checks that an onnxruntime session has the input and output its manifest
 * promises, before the kiosk relies on it: a model trained at another size or
 * with another label count fails here with E204, not with nonsense scores.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ErrorCode, KioskError } from '../ops/errors.js';
import type { ModelManifest } from './model-manifest.js';

type SessionShape = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;
type Dimension = number | string;

/** The input dimensions the manifest implies, batch of one. */
export function expectedInputShape(input: ModelManifest['input']): [number, number, number, number] {
  return input.layout === 'NCHW' ? [1, input.channels, input.height, input.width] : [1, input.height, input.width, input.channels];
}

export function checkSessionShape(session: SessionShape, manifest: ModelManifest): void {
  const { input, output, labels } = manifest;
  if (session.inputNames.length !== 1 || session.inputNames[0] !== input.name) {
    mismatch(`the model's inputs are [${session.inputNames.join(', ')}], the manifest names one input "${input.name}"`, { inputs: session.inputNames });
  }
  if (!session.outputNames.includes(output.name)) {
    mismatch(`the model has no output "${output.name}" (it has [${session.outputNames.join(', ')}])`, { outputs: session.outputNames });
  }
  checkTensor('input', session.inputMetadata, input.name, expectedInputShape(input));
  checkTensor('output', session.outputMetadata, output.name, [1, labels.length]);
}

function checkTensor(
  role: 'input' | 'output',
  metadata: readonly InferenceSession.ValueMetadata[],
  name: string,
  expected: readonly number[],
): void {
  const value = metadata.find((candidate) => candidate.name === name);
  if (!value?.isTensor) mismatch(`the model's ${role} "${name}" is not a tensor`, { role, name });
  if (value.type !== 'float32') mismatch(`the model's ${role} "${name}" is ${value.type}, the contract says float32`, { role, name, type: value.type });
  // An unknown rank (empty shape) is accepted here; the warm-up run checks the output's size.
  if (value.shape.length === 0) return;
  if (!shapeFits(value.shape, expected)) {
    mismatch(`the model's ${role} "${name}" has shape [${value.shape.join(', ')}], the manifest implies [${expected.join(', ')}]`, {
      role,
      name,
      shape: value.shape,
      expected,
    });
  }
}

/** Same rank, and every fixed dimension equal; a free dimension (a name such as "batch", or -1) fits anything. */
function shapeFits(actual: readonly Dimension[], expected: readonly number[]): boolean {
  const free = (dimension: Dimension): boolean => typeof dimension === 'string' || dimension < 0;
  return actual.length === expected.length && actual.every((dimension, index) => free(dimension) || dimension === expected[index]);
}

function mismatch(message: string, context: Record<string, unknown>): never {
  throw new KioskError(ErrorCode.ModelShapeMismatch, message, context);
}

/**
 * Tiny, deterministic image classifiers and their model directories, built in
 * the test (no Python, no downloads):
 *
 * - colourModel: a nearest-colour classifier. The mean of each input channel
 *   (ReduceMean) is compared with one prototype colour per label:
 *   logit_k = s * (2 p_k . x - |p_k|^2), which is -s |x - p_k|^2 up to a term
 *   shared by all labels, done as MatMul + Add. A brown frame scores the label
 *   whose prototype is brown highest, and so on.
 * - convNet: a small CNN with fixed pseudo-random weights, about as costly as
 *   the trained packaging model, for the benchmark when none is installed.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../../src/ops/seeded-random.js';
import type { ModelManifest } from '../../../src/vision/model-manifest.js';
import { encodeModel, type NodeSpec } from './onnx-builder.js';

export type Rgb = readonly [number, number, number];
export type Layout = 'NCHW' | 'NHWC';

export const IMAGENET_NORMALIZATION = { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/** A colour as the model sees its mean after ImageNet normalisation. */
export function normalisedColour([r, g, b]: Rgb): Rgb {
  const { scale, mean, std } = IMAGENET_NORMALIZATION;
  return [(r / scale - mean[0]) / std[0], (g / scale - mean[1]) / std[1], (b / scale - mean[2]) / std[2]];
}

export interface ColourModelSpec {
  layout: Layout;
  width: number;
  height: number;
  /** Number of outputs. */
  labelCount: number;
  /** output index -> prototype colour (0..255 RGB); outputs without one never win. */
  prototypes: ReadonlyMap<number, Rgb>;
  /** Add a Softmax node, so the model emits probabilities (manifest activation "none"). */
  softmax?: boolean;
  /** Name the batch dimension instead of fixing it to 1. */
  symbolicBatch?: boolean;
}

const SHARPNESS = 4;
const NEVER = -1e4;

export function colourModel(spec: ColourModelSpec): Uint8Array {
  const { layout, width, height, labelCount } = spec;
  const weights = new Float32Array(3 * labelCount);
  const bias = new Float32Array(labelCount).fill(NEVER);
  for (const [index, colour] of spec.prototypes) {
    const p = normalisedColour(colour);
    p.forEach((value, channel) => {
      weights[channel * labelCount + index] = 2 * SHARPNESS * value;
    });
    bias[index] = -SHARPNESS * p.reduce((sum, value) => sum + value * value, 0);
  }
  const batch = spec.symbolicBatch ? 'batch' : 1;
  const inputDims = layout === 'NCHW' ? [batch, 3, height, width] : [batch, height, width, 3];
  const nodes: NodeSpec[] = [
    { op: 'ReduceMean', inputs: ['input'], outputs: ['mean'], attributes: [{ name: 'axes', ints: layout === 'NCHW' ? [2, 3] : [1, 2] }, { name: 'keepdims', int: 0 }] },
    { op: 'MatMul', inputs: ['mean', 'weights'], outputs: ['scaled'] },
    { op: 'Add', inputs: ['scaled', 'bias'], outputs: spec.softmax ? ['logits'] : ['output'] },
  ];
  if (spec.softmax) nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: ['output'], attributes: [{ name: 'axis', int: -1 }] });
  return encodeModel({
    nodes,
    initializers: [
      { name: 'weights', dims: [3, labelCount], values: weights },
      { name: 'bias', dims: [labelCount], values: bias },
    ],
    inputs: [{ name: 'input', dims: inputDims }],
    outputs: [{ name: 'output', dims: [batch, labelCount] }],
  });
}

/** Five stride-2 3x3 convolutions (16..256 channels), global average pool, one dense layer: about 0.4 M parameters. */
export function convNet(spec: { width: number; height: number; labelCount: number; seed?: number }): Uint8Array {
  const next = seededRandom(spec.seed ?? 20261123);
  const uniform = (count: number, limit: number): Float32Array => Float32Array.from({ length: count }, () => (next() * 2 - 1) * limit);
  const channels = [3, 16, 32, 64, 128, 256];
  const nodes: NodeSpec[] = [];
  const initializers = [];
  let current = 'input';
  for (let layer = 1; layer < channels.length; layer += 1) {
    const inChannels = channels[layer - 1] ?? 0;
    const outChannels = channels[layer] ?? 0;
    initializers.push(
      { name: `w${layer}`, dims: [outChannels, inChannels, 3, 3], values: uniform(outChannels * inChannels * 9, Math.sqrt(6 / (inChannels * 9))) },
      { name: `b${layer}`, dims: [outChannels], values: new Float32Array(outChannels) },
    );
    nodes.push(
      {
        op: 'Conv',
        inputs: [current, `w${layer}`, `b${layer}`],
        outputs: [`conv${layer}`],
        attributes: [
          { name: 'kernel_shape', ints: [3, 3] },
          { name: 'strides', ints: [2, 2] },
          { name: 'pads', ints: [1, 1, 1, 1] },
        ],
      },
      { op: 'Relu', inputs: [`conv${layer}`], outputs: [`relu${layer}`] },
    );
    current = `relu${layer}`;
  }
  const features = channels[channels.length - 1] ?? 0;
  initializers.push(
    { name: 'dense', dims: [features, spec.labelCount], values: uniform(features * spec.labelCount, Math.sqrt(6 / features)) },
    { name: 'dense_bias', dims: [spec.labelCount], values: new Float32Array(spec.labelCount) },
  );
  nodes.push(
    { op: 'GlobalAveragePool', inputs: [current], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: [{ name: 'axis', int: 1 }] },
    { op: 'Gemm', inputs: ['flat', 'dense', 'dense_bias'], outputs: ['output'] },
  );
  return encodeModel({
    nodes,
    initializers,
    inputs: [{ name: 'input', dims: [1, 3, spec.height, spec.width] }],
    outputs: [{ name: 'output', dims: [1, spec.labelCount] }],
  });
}

/** A version-1 manifest for `bytes`, with correct size and sha256; overrides replace whole top-level fields. */
export function manifestFor(bytes: Uint8Array, base: Pick<ModelManifest, 'labels' | 'input'> & Partial<ModelManifest>): ModelManifest {
  return {
    manifestVersion: 1,
    name: 'tiny-test',
    version: '0.0.1',
    createdAt: '2026-11-23T19:30:00Z',
    model: { file: 'model.onnx', sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
    normalization: { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'output', activation: 'softmax' },
    ...base,
  };
}

/** Writes model.onnx and manifest.json into `directory` (created if needed). */
export async function writeModelDirectory(directory: string, bytes: Uint8Array, manifest: unknown): Promise<string> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'model.onnx'), bytes);
  await writeFile(join(directory, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return directory;
}

/**
 * The ImageNet-1k labels the tests use, at their real indices; the other
 * outputs get placeholder names (a real manifest lists all 1000 names).
 */
export const IMAGENET_INDEX = {
  carton: 478,
  envelope: 549,
  'jersey, T-shirt, tee shirt': 610,
  packet: 692,
  'plastic bag': 728,
  'running shoe': 770,
  'book jacket, dust cover, dust jacket, dust wrapper': 921,
} as const;

export function imagenetLabels(): string[] {
  const labels = Array.from({ length: 1000 }, (_, index) => `imagenet-${String(index).padStart(3, '0')}`);
  for (const [name, index] of Object.entries(IMAGENET_INDEX)) labels[index] = name;
  return labels;
}

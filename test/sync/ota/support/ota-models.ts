/**
 * Tiny models for the OTA tests, built here (test/vision/support), and the
 * model packages that ship them: every file served by a real ModelServer,
 * signed (by the tests) with src/fleet/signer.ts, as the fleet would.
 *
 * The good models are nearest-colour classifiers over the same four labels,
 * so any version classifies a brown frame as cardboard and the grey chamber
 * floor as empty. The broken ones fail in the ways a bad release does.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_PACKAGE_SCHEMA, type ModelPackage } from '../../../../src/protocol/model-package.js';
import { encodeModel } from '../../../vision/support/onnx-builder.js';
import { colourModel, convNet, manifestFor, normalisedColour, writeModelDirectory, type Rgb } from '../../../vision/support/tiny-models.js';
import type { ModelServer } from './model-server.js';

export const BROWN: Rgb = [150, 100, 60];
export const WHITE: Rgb = [235, 235, 230];
export const BLUE: Rgb = [40, 90, 200];
export const CHAMBER: Rgb = [180, 175, 165];
export const BLACK: Rgb = [0, 0, 0];
export const LABELS = ['cardboard', 'paper', 'plastic', 'empty'] as const;

const INPUT = { name: 'input', layout: 'NCHW', width: 32, height: 24, channels: 3, colorOrder: 'RGB', resize: 'fill' } as const;

export type ModelKind =
  /** Works. */
  | 'good'
  /** Works too: a CNN with fixed pseudo-random weights, 1.6 MB, so a download takes many chunks. */
  | 'big'
  /** Every output NaN: fails its warm-up. */
  | 'nan'
  /** Three outputs for four labels: fails its shape check. */
  | 'wrong-label-count'
  /** Calls the chamber floor plastic: fails the empty-chamber check. */
  | 'blind-to-empty'
  /** log() of the frame's normalised mean colour: fine on bright frames (warm-up, smoke pictures), NaN on dark ones. */
  | 'nan-on-dark';

const prototypes = (empty: Rgb): Map<number, Rgb> =>
  new Map([
    [0, BROWN],
    [1, WHITE],
    [2, BLUE],
    [3, empty],
  ]);

function modelBytes(kind: ModelKind, seed: number): Uint8Array {
  switch (kind) {
    case 'good':
      return colourModel({ layout: 'NCHW', width: 32, height: 24, labelCount: 4, prototypes: prototypes(CHAMBER) });
    case 'big':
      return convNet({ width: 32, height: 24, labelCount: 4, seed });
    case 'blind-to-empty':
      return colourModel({ layout: 'NCHW', width: 32, height: 24, labelCount: 4, prototypes: new Map([[0, BROWN], [1, WHITE], [2, CHAMBER], [3, BLUE]]) });
    case 'wrong-label-count':
      return colourModel({ layout: 'NCHW', width: 32, height: 24, labelCount: 3, prototypes: new Map([[0, BROWN], [1, WHITE], [2, CHAMBER]]) });
    case 'nan':
      return meanColourGraph({ log: false, bias: new Float32Array(4).fill(Number.NaN) });
    case 'nan-on-dark':
      return meanColourGraph({ log: true, bias: new Float32Array(4) });
  }
}

/** mean colour ──[log]──► MatMul ──► Add(bias): a 4-label head over the frame's mean colour. */
function meanColourGraph(spec: { log: boolean; bias: Float32Array }): Uint8Array {
  const weights = new Float32Array(12);
  [BROWN, WHITE, BLUE, CHAMBER].forEach((colour, label) => normalisedColour(colour).forEach((value, channel) => (weights[channel * 4 + label] = value)));
  return encodeModel({
    nodes: [
      { op: 'ReduceMean', inputs: ['input'], outputs: ['mean'], attributes: [{ name: 'axes', ints: [2, 3] }, { name: 'keepdims', int: 0 }] },
      ...(spec.log ? [{ op: 'Log', inputs: ['mean'], outputs: ['features'] }] : []),
      { op: 'MatMul', inputs: [spec.log ? 'features' : 'mean', 'weights'], outputs: ['scaled'] },
      { op: 'Add', inputs: ['scaled', 'bias'], outputs: ['output'] },
    ],
    initializers: [
      { name: 'weights', dims: [3, 4], values: weights },
      { name: 'bias', dims: [4], values: spec.bias },
    ],
    inputs: [{ name: 'input', dims: [1, 3, 24, 32] }],
    outputs: [{ name: 'output', dims: [1, 4] }],
  });
}

/** Writes models/<...>/ with model.onnx and manifest.json; name@version as given. */
export async function writeTestModel(directory: string, model: { name: string; version: string; kind?: ModelKind; seed?: number }): Promise<string> {
  const bytes = modelBytes(model.kind ?? 'good', model.seed ?? 1);
  const manifest = manifestFor(bytes, { name: model.name, version: model.version, labels: [...LABELS], emptyLabel: 'empty', input: { ...INPUT } });
  return writeModelDirectory(directory, bytes, manifest);
}

/** Serves every file of `directory` under /<name>/<version>/ and returns the unsigned package. */
export function servePackage(server: ModelServer, directory: string, model: { name: string; version: string }): ModelPackage {
  const files = readdirSync(directory).sort().map((path) => {
    const body = readFileSync(join(directory, path));
    return { path, url: server.serve(`/${model.name}/${model.version}/${path}`, body), sizeBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  });
  return { schema: MODEL_PACKAGE_SCHEMA, name: model.name, version: model.version, files };
}

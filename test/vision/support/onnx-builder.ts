/**
 * Writes small ONNX models by hand, so tests (and the benchmark, when no
 * trained model is installed) need neither Python nor a protobuf library.
 *
 * ONNX files are protobuf messages (onnx/onnx.proto3). Only the handful of
 * fields below are written; field numbers are from that file:
 *
 *   ModelProto      ir_version=1 producer_name=2 graph=7 opset_import=8
 *   OperatorSetId   domain=1 version=2
 *   GraphProto      node=1 name=2 initializer=5 input=11 output=12
 *   NodeProto       input=1 output=2 name=3 op_type=4 attribute=5
 *   AttributeProto  name=1 f=2 i=3 ints=8 type=20   (type: FLOAT=1 INT=2 INTS=7)
 *   TensorProto     dims=1 data_type=2 name=8 raw_data=9   (data_type: FLOAT=1)
 *   ValueInfoProto  name=1 type=2;  TypeProto tensor_type=1;  TypeProto.Tensor elem_type=1 shape=2
 *   TensorShape     dim=1;  Dimension dim_value=1 dim_param=2
 *
 * Wire format: each field is a varint key (number << 3 | wire type), then a
 * varint (type 0), 4 little-endian bytes (type 5) or a varint length and the
 * bytes (type 2, also for nested messages).
 */

type Bytes = Uint8Array;

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

function varint(value: number | bigint): number[] {
  // Negative int64 values are written as their 64-bit two's complement, as protobuf does.
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? byte | 0x80 : byte);
  } while (rest > 0n);
  return out;
}

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function key(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function intField(field: number, value: number): Bytes {
  return Uint8Array.from([...key(field, VARINT), ...varint(value)]);
}

function bytesField(field: number, bytes: Bytes): Bytes {
  return concat([Uint8Array.from([...key(field, LENGTH_DELIMITED), ...varint(bytes.length)]), bytes]);
}

function stringField(field: number, text: string): Bytes {
  return bytesField(field, new TextEncoder().encode(text));
}

function floatField(field: number, value: number): Bytes {
  const bytes = new Uint8Array(5);
  bytes[0] = key(field, FIXED32)[0] ?? 0;
  new DataView(bytes.buffer).setFloat32(1, value, true);
  return bytes;
}

export type Attribute = { name: string } & ({ int: number } | { ints: readonly number[] } | { float: number });

function attribute(spec: Attribute): Bytes {
  const parts = [stringField(1, spec.name)];
  if ('int' in spec) parts.push(intField(3, spec.int), intField(20, 2));
  else if ('ints' in spec) parts.push(...spec.ints.map((value) => intField(8, value)), intField(20, 7));
  else parts.push(floatField(2, spec.float), intField(20, 1));
  return concat(parts);
}

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly Attribute[];
}

function node(spec: NodeSpec, index: number): Bytes {
  return concat([
    ...spec.inputs.map((name) => stringField(1, name)),
    ...spec.outputs.map((name) => stringField(2, name)),
    stringField(3, `${spec.op.toLowerCase()}_${index}`),
    stringField(4, spec.op),
    ...(spec.attributes ?? []).map((spec) => bytesField(5, attribute(spec))),
  ]);
}

export interface InitializerSpec {
  name: string;
  dims: readonly number[];
  values: Float32Array;
}

function initializer(spec: InitializerSpec): Bytes {
  const count = spec.dims.reduce((product, dim) => product * dim, 1);
  if (count !== spec.values.length) throw new Error(`initializer ${spec.name}: ${spec.values.length} values for dims [${spec.dims.join(', ')}]`);
  const raw = new Uint8Array(spec.values.length * 4);
  const view = new DataView(raw.buffer);
  spec.values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return concat([...spec.dims.map((dim) => intField(1, dim)), intField(2, 1), stringField(8, spec.name), bytesField(9, raw)]);
}

/** A float32 graph input or output; a string dimension is symbolic (e.g. "batch"). */
export interface ValueSpec {
  name: string;
  dims: readonly (number | string)[];
}

function valueInfo(spec: ValueSpec): Bytes {
  const dims = spec.dims.map((dim) => bytesField(1, typeof dim === 'number' ? intField(1, dim) : stringField(2, dim)));
  const tensorType = concat([intField(1, 1), bytesField(2, concat(dims))]);
  return concat([stringField(1, spec.name), bytesField(2, bytesField(1, tensorType))]);
}

export interface GraphSpec {
  nodes: readonly NodeSpec[];
  initializers: readonly InitializerSpec[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  /** Default 13: ReduceMean still takes `axes` as an attribute there. */
  opset?: number;
}

/** The bytes of a model.onnx file. */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const graphBytes = concat([
    ...graph.nodes.map((spec, index) => bytesField(1, node(spec, index))),
    stringField(2, 'test-graph'),
    ...graph.initializers.map((spec) => bytesField(5, initializer(spec))),
    ...graph.inputs.map((spec) => bytesField(11, valueInfo(spec))),
    ...graph.outputs.map((spec) => bytesField(12, valueInfo(spec))),
  ]);
  return concat([
    intField(1, 8),
    stringField(2, 'kiosk-runtime test/vision/support/onnx-builder'),
    bytesField(7, graphBytes),
    bytesField(8, intField(2, graph.opset ?? 13)),
  ]);
}

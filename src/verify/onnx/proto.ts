/**
 * The ONNX protobuf schema (the subset of `onnx/onnx.proto` that describes inference graphs, with
 * the official field numbers) and its `protobufjs` types. Decoding and encoding go through
 * protobufjs, the maintained protobuf runtime, never a hand-written wire decoder.
 * @module
 */
import protobuf from 'protobufjs';

/** `onnx.proto` (IR version 3+), fields the importer reads; unknown fields are skipped by protobuf. */
const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; }
  optional string name = 1;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
}
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

/** ONNX `TensorProto.DataType` codes the importer reads. */
export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** A decoded `TensorProto` (protobufjs object form, int64 as numbers). */
export interface TensorMessage {
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  name: string;
  rawData: Uint8Array;
}

/** A decoded `AttributeProto`. */
export interface AttributeMessage {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t?: TensorMessage;
  floats: number[];
  ints: number[];
}

/** A decoded `NodeProto`. */
export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeMessage[];
}

/** A decoded `ValueInfoProto` with its static shape (dims without a value are 0). */
export interface ValueInfoMessage {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: { dimValue?: number; dimParam?: string }[] } } };
}

/** A decoded `ModelProto`. */
export interface ModelMessage {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  graph?: { node: NodeMessage[]; name: string; initializer: TensorMessage[]; input: ValueInfoMessage[]; output: ValueInfoMessage[] };
}

let root: protobuf.Root | undefined;

/** The `onnx.ModelProto` type (parsed once). */
export function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
  return root.lookupType('onnx.ModelProto');
}

/** Decodes ONNX bytes into a plain object with defaults filled in and int64 as numbers. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = modelType();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, bytes: Uint8Array as unknown as typeof String, defaults: true, arrays: true }) as ModelMessage;
}

/** Encodes a plain `ModelProto` object (used by tests to write small models). */
export function encodeModel(model: object): Uint8Array {
  const type = modelType();
  const err = type.verify(model);
  if (err) throw new Error(`encodeModel: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

// A one-node ONNX model, Y = MatMulNBits(A, B, scales, zero_points) (com.microsoft, 4 bits), written
// as ModelProto bytes with a minimal protobuf writer: no onnx package is installed, and the bench
// needs only a few fields of onnx.proto (field numbers cited below).
// MatMulNBits: B uint8 [N, k_blocks, block_size/2] with codes packed low nibble first along K,
// scales [N·k_blocks], zero_points uint8 [N·ceil(k_blocks/2)] packed the same way; W = (q - zero)·scale.
// That is lowbit's uint4 layout (native/src/kernels/wq_gemm.cc) when block_size divides K.

/** protobuf wire format: varints, length-delimited fields */
class Proto {
  private parts: Uint8Array[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt(v);
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    this.parts.push(Uint8Array.from(out));
  }
  int(field: number, v: number): this {
    this.varint(field << 3);
    this.varint(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1, UINT8 = 2;  // TensorProto.DataType
const ATTR_INT = 2;           // AttributeProto.AttributeType.INT

// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian bytes)
function initializer(name: string, dtype: number, dims: number[], data: Uint8Array): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  return t.int(2, dtype).str(8, name).bytes(9, data);
}

// ValueInfoProto: name = 1, type = 2; TypeProto.tensor_type = 1; Tensor: elem_type = 1, shape = 2;
// TensorShapeProto.dim = 1; Dimension.dim_value = 1
function value_info(name: string, dtype: number, dims: number[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.msg(1, new Proto().int(1, d));
  return new Proto().str(1, name).msg(2, new Proto().msg(1, new Proto().int(1, dtype).msg(2, shape)));
}

export interface MatMulNBitsWeights {
  N: number;
  K: number;
  block_size: number;
  /** [N, K/2] codes, low nibble first (lowbit's uint4 rows) */
  codes: Uint8Array;
  /** [N, K/block_size] */
  scales: Float32Array;
  /** [N, K/block_size] integer zero points 0..15 */
  zeros: Float32Array;
}

/** ModelProto bytes of Y [M, N] = MatMulNBits(A [M, K]) with the weights as initializers. */
export function matmulnbits_model(w: MatMulNBitsWeights, M: number): Uint8Array {
  const { N, K, block_size } = w;
  if (K % block_size !== 0) throw new RangeError(`MatMulNBits model: block_size ${block_size} must divide K = ${K} here`);
  const blocks = K / block_size, zp_bytes = Math.ceil(blocks / 2);
  const zp = new Uint8Array(N * zp_bytes);
  for (let n = 0; n < N; n++)
    for (let b = 0; b < blocks; b++) zp[n * zp_bytes + (b >> 1)]! |= w.zeros[n * blocks + b]! << (4 * (b & 1));
  const attr = (name: string, v: number) => new Proto().str(1, name).int(20, ATTR_INT).int(3, v);
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7
  const node = new Proto().str(1, "A").str(1, "B").str(1, "scales").str(1, "zero_points").str(2, "Y")
    .str(3, "matmul").str(4, "MatMulNBits").str(7, "com.microsoft")
    .msg(5, attr("K", K)).msg(5, attr("N", N)).msg(5, attr("bits", 4)).msg(5, attr("block_size", block_size));
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12
  const graph = new Proto().msg(1, node).str(2, "gemv")
    .msg(5, initializer("B", UINT8, [N, blocks, block_size / 2], w.codes))
    .msg(5, initializer("scales", FLOAT, [N * blocks], new Uint8Array(w.scales.buffer, w.scales.byteOffset, w.scales.byteLength)))
    .msg(5, initializer("zero_points", UINT8, [N * zp_bytes], zp))
    .msg(11, value_info("A", FLOAT, [M, K])).msg(12, value_info("Y", FLOAT, [M, N]));
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (domain = 1, version = 2)
  return new Proto().int(1, 8).str(2, "lowbit-bench").msg(7, graph)
    .msg(8, new Proto().str(1, "").int(2, 17)).msg(8, new Proto().str(1, "com.microsoft").int(2, 1)).finish();
}

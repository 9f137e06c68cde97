// Just enough of the protobuf wire format to read a SentencePiece ModelProto; the package has no
// protobuf dependency, and that one message is all the slow tokenizer files need.

export type WireValue = number | bigint | Uint8Array;

/** Each field of one message as [field number, value]: varints as numbers, length-delimited as bytes. */
export function* fields(buf: Uint8Array, where: string): Generator<[number, WireValue]> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length || shift > 63n) throw new Error(`${where}: truncated or malformed protobuf varint at byte ${pos}`);
      const b = buf[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new Error(`${where}: truncated protobuf field at byte ${pos} (needs ${n} bytes, ${buf.length - pos} left)`);
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0: {
        const v = varint();
        yield [field, v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v];
        break;
      }
      case 1: need(8); yield [field, view.getBigUint64(pos, true)]; pos += 8; break;
      case 2: {
        const n = Number(varint());
        need(n);
        yield [field, buf.subarray(pos, pos + n)];
        pos += n;
        break;
      }
      // fixed32 is read as its raw bits; the caller knows whether it is a float
      case 5: need(4); yield [field, view.getUint32(pos, true)]; pos += 4; break;
      default: throw new Error(`${where}: unsupported protobuf wire type ${key & 7} at byte ${pos} (not a SentencePiece model?)`);
    }
  }
}

/** The float whose IEEE bits a fixed32 field carries. */
export function f32(bits: WireValue): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, Number(bits), true);
  return b.getFloat32(0, true);
}

/** An int32 field's value (negative ones travel as 64-bit two's complement varints). */
export function int32(v: WireValue): number {
  return Number(BigInt.asIntN(32, typeof v === "bigint" ? v : BigInt(v as number)));
}

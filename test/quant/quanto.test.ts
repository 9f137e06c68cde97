// optimum-quanto weight quantization against ../shared/fixtures/quant/quanto (optimum-quanto's own
// function bodies, fp32 CPU; see that README): qint8 codes and scales, qint4/qint2 (float shift and
// zero point) group sizes, codes, scales, shifts and packed bytes bit for bit, dequantized weights
// bit for bit, layer outputs to ~1e-5; then quantize/freeze on a small model.
import { describe, expect, it } from "vitest";
import { nn, quanto, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface QCase {
  bits?: number;
  group_size?: number;
  axis: number;
  scale_shape?: number[];
  grouped_shape?: number[];
  packed_shape?: number[];
  shift_dtype?: string;
  weight_mse: number;
  output_mse_vs_fp32: number;
}
interface Layer {
  name: string;
  in_features: number;
  out_features: number;
  input_shape: number[];
  bias: boolean;
  [tag: string]: unknown;
}

const expected = fixture_json<{ layers: Layer[] }>("quant", "quanto", "expected.json");
const tensors = load_file(fixture("quant", "quanto", "quanto.safetensors"));
const TAGS = ["qint4", "qint4_zeropoint", "qint2", "qint2_zeropoint"] as const;

function get(name: string): Tensor {
  const t = tensors[name];
  if (!t) throw new Error(`fixture tensor ${name} missing from quanto.safetensors`);
  return t;
}

function bytes(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const size = t.dtype.itemsize;
  return new Uint8Array(c._data.buffer, c._data.byteOffset + c._offset * size, c.numel() * size);
}

/** same dtype, shape and bytes */
function expect_bits(got: Tensor, want: Tensor, what: string): void {
  expect(String(got.dtype), `${what}: dtype`).toBe(String(want.dtype));
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const g = bytes(got), w = bytes(want);
  const size = want.dtype.itemsize;
  let bad = 0, first = -1;
  for (let i = 0; i < w.length; i++) {
    if (g[i] !== w[i]) {
      bad++;
      if (first < 0) first = Math.floor(i / size);
    }
  }
  const gl = got.reshape(-1).tolist() as number[], wl = want.reshape(-1).tolist() as number[];
  expect(bad, `${what}: ${bad} bytes differ, first at element ${first}: got ${gl[first]}, want ${wl[first]}`).toBe(0);
}

function expect_close(got: Tensor, want: Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const g = got.reshape(-1).tolist() as number[], w = want.reshape(-1).tolist() as number[];
  let worst = 0, at = -1;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs(g[i] - w[i]) - (atol + rtol * Math.abs(w[i]));
    if (!(excess <= worst) || Number.isNaN(g[i])) { worst = excess; at = i; }
  }
  expect(at, `${what}: element ${at} got ${g[at]}, want ${w[at]}`).toBe(-1);
}

/** an nn.Linear holding the fixture layer's fp32 weight and bias */
function fixture_linear(l: Layer): nn.Linear {
  const lin = new nn.Linear(l.in_features, l.out_features, l.bias);
  lin.weight.copy_(get(`${l.name}.weight`));
  if (l.bias) lin.bias!.copy_(get(`${l.name}.bias`));
  return lin;
}

const bits_of = (tag: string) => (tag.startsWith("qint4") ? 4 : 2);
const qtype_of = (tag: string) => (tag.startsWith("qint4") ? quanto.qint4 : quanto.qint2);

describe("quanto fixture", () => {
  it("has the public layers", () => {
    expect(expected.layers.map((l) => l.name)).toEqual(expect.arrayContaining(["main", "g64"]));
  });

  for (const l of expected.layers) {
    describe(`${l.name} (${l.in_features}→${l.out_features})`, () => {
      it("qint8: codes, scales, dequantized weight bit for bit; frozen and unfrozen outputs", () => {
        const c = l.qint8 as QCase;
        const lin = fixture_linear(l);
        const q = quanto.QLinear.from_module(lin, { weights: quanto.qint8 });
        expect(q.weight_group_size).toBeNull();
        const x = get(`${l.name}.input`);
        expect_close(q(x), get(`${l.name}.qint8.output`), "unfrozen output");
        q.freeze();
        const w = q.weight as quanto.WeightQBytesTensor;
        expect(w).toBeInstanceOf(quanto.WeightQBytesTensor);
        expect([...w._scale.shape]).toEqual(c.scale_shape);
        expect_bits(w._data, get(`${l.name}.qint8.weight._data`), "weight._data");
        expect_bits(w._scale, get(`${l.name}.qint8.weight._scale`), "weight._scale");
        expect_bits(w.dequantize(), get(`${l.name}.qint8.dequantized_weight`), "dequantized");
        expect_close(q(x), get(`${l.name}.qint8.output`), "frozen output");
        const sd = q.state_dict();
        expect(Object.keys(sd).sort()).toEqual(["bias", "input_scale", "output_scale", "weight._data", "weight._scale"]);
        expect(String(sd["weight._data"].dtype)).toBe("torch.int8");
        expect(sd["input_scale"].item()).toBe(1);
        expect(sd["input_scale"].ndim).toBe(0);
      });

      for (const tag of TAGS) {
        it(`${tag}: group size, codes, packed bytes, scale, shift, dequantized weight; output`, () => {
          const c = l[tag] as QCase;
          const zp = tag.endsWith("zeropoint");
          const qt = qtype_of(tag);
          expect(quanto.weight_group_size(l.in_features, qt.bits)).toBe(c.group_size ?? null);
          const W = get(`${l.name}.weight`);
          const [scale, shift] = new quanto.MaxOptimizer().__call__(W, { qtype: qt, axis: 0, group_size: c.group_size ?? null, zeropoint: zp });
          expect(String(shift.dtype)).toBe(`torch.${c.shift_dtype}`);
          const qw = quanto.quantize_weight(W, { qtype: qt, axis: 0, scale, shift, group_size: c.group_size ?? null }) as quanto.WeightQBitsTensor;
          expect(qw).toBeInstanceOf(quanto.WeightQBitsTensor);
          expect_bits(qw._scale, get(`${l.name}.${tag}.weight._scale`), "scale");
          expect_bits(qw._shift, get(`${l.name}.${tag}.weight._shift`), "shift");
          const unpacked = qw._data.unpack();
          expect([...unpacked.shape]).toEqual(c.grouped_shape);
          expect_bits(unpacked, get(`${l.name}.${tag}.weight._data.unpacked`), "unpacked codes");
          expect([...qw._data._data.shape]).toEqual(c.packed_shape);
          expect_bits(qw._data._data, get(`${l.name}.${tag}.weight._data._data`), "packed bytes");
          // packing the fixture's own codes gives the fixture's bytes, and back
          expect_bits(quanto.pack_weights(get(`${l.name}.${tag}.weight._data.unpacked`), bits_of(tag)), get(`${l.name}.${tag}.weight._data._data`), "pack_weights");
          const rows = c.grouped_shape![0];
          expect_bits(quanto.unpack_weights(get(`${l.name}.${tag}.weight._data._data`), bits_of(tag), rows), get(`${l.name}.${tag}.weight._data.unpacked`), "unpack_weights");
          expect_bits(qw.dequantize(), get(`${l.name}.${tag}.dequantized_weight`), "dequantized");
          const x = get(`${l.name}.input`);
          expect_close(nn.functional.linear(x, qw.dequantize(), get(`${l.name}.bias`)), get(`${l.name}.${tag}.output`), "output");
        });

        if (!tag.endsWith("zeropoint")) {
          it(`${tag}: QLinear before and after freeze; state dict keys and dtypes`, () => {
            const q = quanto.QLinear.from_module(fixture_linear(l), { weights: qtype_of(tag) });
            const x = get(`${l.name}.input`);
            expect_close(q(x), get(`${l.name}.${tag}.output`), "unfrozen output");
            quanto.freeze(new nn.Sequential(q));
            expect(q.frozen).toBe(true);
            expect_close(q(x), get(`${l.name}.${tag}.output`), "frozen output");
            const sd = q.state_dict();
            expect(Object.keys(sd).sort()).toEqual(["bias", "input_scale", "output_scale", "weight._data._data", "weight._scale", "weight._shift"]);
            expect_bits(sd["weight._data._data"], get(`${l.name}.${tag}.weight._data._data`), "state_dict packed");
            expect_bits(sd["weight._scale"], get(`${l.name}.${tag}.weight._scale`), "state_dict scale");
            expect_bits(sd["weight._shift"], get(`${l.name}.${tag}.weight._shift`), "state_dict shift");
          });
        }
      }
    });
  }
});

// The course's linear quantization against ../shared/fixtures/quant/linear (torch 1.13 running the
// course helpers, checked by an independent numpy implementation): codes, scales and zero points
// bit for bit, dequantized values exactly, MSEs to 1e-5 relative.
import { describe, expect, it } from "vitest";
import { quant, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface Case {
  id: string;
  granularity: "per_tensor" | "per_channel" | "per_group";
  mode: "asym" | "sym";
  qtype: string;
  qmin: number;
  qmax: number;
  input: string;
  mse: number;
  dim?: number;
  group_size?: number;
  scale_f64?: number;
  scale_f64_hex?: string;
  scale_f32_used?: number;
  zero_point?: number;
}

const expected = fixture_json<{ cases: Case[] }>("quant", "linear", "expected.json");
const tensors = load_file(fixture("quant", "linear", "linear.safetensors"));
const COURSE = [[191.6, -13.5, 728.6], [92.14, 295.5, -184], [0, 684.6, 245.5]];

function qdtype(name: string): quant.QDType {
  return name === "int8" ? torch.int8 : name === "uint8" ? torch.uint8 : name;
}

function get(name: string): Tensor {
  const t = tensors[name];
  if (!t) throw new Error(`fixture tensor ${name} missing from linear.safetensors`);
  return t;
}

function close_rel(got: number, want: number, rel: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-30);
}

// [q, scale, zero_point, dequantized] by the scheme the case names, through the public API only
function run(c: Case, input: Tensor): [Tensor, number | Tensor, number | Tensor, Tensor] {
  const dtype = qdtype(c.qtype);
  if (c.granularity === "per_tensor") {
    if (c.mode === "asym") {
      const [q, s, z] = quant.linear_quantization(input, dtype);
      return [q, s, z, quant.linear_dequantization(q, s, z)];
    }
    const [q, s] = quant.linear_q_symmetric(input, { dtype });
    return [q, s, 0, quant.linear_dequantization(q, s, 0)];
  }
  if (c.granularity === "per_channel") {
    if (c.mode === "sym") {
      const [q, s] = quant.linear_q_symmetric_per_channel(input, c.dim!, dtype);
      return [q, s, 0, quant.linear_dequantization(q, s, 0)];
    }
    const [q, s, z] = quant.linear_q_per_channel(input, { dim: c.dim!, dtype });
    return [q, s, z, quant.linear_dequantization(q, s, z)];
  }
  const g = c.group_size!;
  if (c.mode === "sym") {
    const [q, s] = quant.linear_q_symmetric_per_group(input, g, dtype);
    return [q, s, 0, quant.linear_dequantization_per_group(q, s, g)];
  }
  const [q, s, z] = quant.linear_q_per_group(input, { group_size: g, dtype });
  return [q, s, z, quant.linear_dequantization_per_group(q, s, g, z)];
}

describe_backends("linear quantization vs the fixtures", () => {
  it("has every kind of case the README describes", () => {
    expect(expected.cases.length).toBe(111);
    const kinds = new Set(expected.cases.map((c) => c.granularity));
    expect([...kinds].sort()).toEqual(["per_channel", "per_group", "per_tensor"]);
  });

  for (const c of expected.cases) {
    it(c.id, () => {
      const input = get(c.input);
      const [q, scale, zero_point, deq] = run(c, input);
      const range = quant.q_range(qdtype(c.qtype));
      expect([range.qmin, range.qmax], "qmin/qmax").toEqual([c.qmin, c.qmax]);

      expect(q.shape, "q shape").toEqual(input.shape);
      expect(q.tolist(), "integer codes").toEqual(get(`${c.id}.q`).tolist());
      if (c.granularity === "per_tensor") {
        expect(typeof scale).toBe("number");
        expect(scale, "float64 scale").toBe(c.scale_f64);
        expect(scale, "float64 scale (file)").toBe(get(`${c.id}.scale`).item());
        expect(Math.fround(scale as number), "the float32 scale torch divides by").toBe(c.scale_f32_used);
        expect(zero_point, "zero point").toBe(c.mode === "sym" ? 0 : c.zero_point);
      } else {
        const s = scale as Tensor;
        expect(s.dtype).toBe(torch.float32);
        expect(s.shape, "scale shape").toEqual(get(`${c.id}.scale`).shape);
        expect(s.tolist(), "float32 scales").toEqual(get(`${c.id}.scale`).tolist());
        const z = get(`${c.id}.zero_point`);
        if (c.mode === "asym") expect((zero_point as Tensor).tolist(), "zero points").toEqual(z.tolist());
        else expect(z.abs().max().item(), "symmetric zero points").toBe(0);
      }
      expect(deq.dtype).toBe(torch.float32);
      expect(deq.tolist(), "dequantized").toEqual(get(`${c.id}.dequantized`).tolist());
      close_rel(quant.quantization_error(input, deq).item() as number, c.mse, 1e-5, "MSE");
    });
  }
});

describe("the course's numbers", () => {
  const test_tensor = torch.tensor(COURSE, { dtype: torch.float32 });

  it("get_q_scale_and_zero_point gives scale 3.578823433670343 and zero point -77", () => {
    const [scale, zero_point] = quant.get_q_scale_and_zero_point(test_tensor);
    expect(scale).toBe(3.578823433670343);
    expect(zero_point).toBe(-77);
    const [q, s, z] = quant.linear_quantization(test_tensor);
    expect([s, z]).toEqual([3.578823433670343, -77]);
    expect(q.dtype).toBe(torch.int8);
  });

  it("scale 3.5, zero point -70 quantizes the course's tensor to the course's codes", () => {
    // each code by hand: round(r / 3.5 - 70), clamped to [-128, 127]
    const q = quant.linear_q_with_scale_and_zero_point(test_tensor, 3.5, -70);
    expect(q.dtype).toBe(torch.int8);
    expect(q.tolist()).toEqual([[-15, -74, 127], [-44, 14, -123], [-70, 126, 0]]);
    const back = quant.linear_dequantization(q, 3.5, -70);
    expect(back.tolist()).toEqual([[192.5, -14, 689.5], [91, 294, -185.5], [0, 686, 245]]);
    // the squared errors, summed in float64 from the values above
    const r = COURSE.flat().map(Math.fround);
    const d = (back.tolist() as number[][]).flat();
    const mse = r.reduce((acc, v, i) => acc + (d[i]! - v) ** 2, 0) / r.length;
    close_rel(quant.quantization_error(test_tensor, back).item() as number, mse, 1e-6, "MSE");
  });

  it("the symmetric scale is max|r| / 127", () => {
    expect(quant.get_q_scale_symmetric(test_tensor)).toBe(Math.fround(728.6) / 127);
    expect(quant.get_q_scale_symmetric(test_tensor, "int4")).toBe(Math.fround(728.6) / 7);
  });
});

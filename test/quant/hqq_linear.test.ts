// HQQLinear, HqqConfig and replace_with_hqq_linear: the layer's weight and forward against
// hqq_reference.py (HQQLinear's float16 compute path) and F.linear, the config's defaults as
// transformers/hqq set them, and the model-wide swap honouring skip_modules and dynamic_config.
import { describe, expect, it } from "vitest";
import { nn, torch, Tensor } from "../../kernel/index.js";
import { linear } from "../../kernel/nn/functional.js";
import { BaseQuantizeConfig, HqqConfig, HQQLinear, name_to_linear_tag, replace_with_hqq_linear } from "../../kernel/quant/hqq/index.js";
import { run_reference } from "./hqq_reference.js";

function seeded_linear(seed: number, in_features: number, out_features: number, bias = true): nn.Linear {
  torch.manual_seed(seed);
  return new nn.Linear(in_features, out_features, bias);
}

function bits16(t: Tensor): Uint16Array {
  const c = t.contiguous();
  return (c._data as Uint16Array).subarray(c._offset, c._offset + c.numel());
}

describe("HQQLinear", () => {
  it("dequantizes in float16 as hqq's HQQLinear does, bit for bit", () => {
    const lin = seeded_linear(1, 128, 48);
    const layer = new HQQLinear(lin, BaseQuantizeConfig({ nbits: 4, group_size: 64, axis: 1 }));
    const ref = run_reference([{ name: "l", weight: lin.weight.detach(), nbits: 4, group_size: 64, axis: 1, optimize: true, round_zero: true }], "exact").l!;
    const W = layer.dequantize();
    expect(W.dtype).toBe(torch.float16);
    expect([...W.shape]).toEqual([48, 128]);
    expect(bits16(W)).toEqual(ref.deq16);
    expect(layer.meta.compute_dtype).toBe(torch.float16);
    expect(layer.scale.dtype).toBe(torch.float16);
  });

  it("forward is F.linear with the dequantized weight and the bias", () => {
    for (const compute_dtype of [torch.float32, torch.float16]) {
      const lin = seeded_linear(2, 256, 32);
      const layer = new HQQLinear(lin, BaseQuantizeConfig({ nbits: 3, group_size: 64 }), { compute_dtype });
      torch.manual_seed(3);
      const x = torch.randn([5, 256]).to(compute_dtype);
      const y = layer(x);
      expect(y.dtype).toBe(compute_dtype);
      expect(torch.equal(y, linear(x, layer.dequantize(), lin.bias!.detach().to(compute_dtype)))).toBe(true);
    }
  });

  it("stores packed codes, scale, zero and bias; the float weight is gone", () => {
    const layer = new HQQLinear(seeded_linear(4, 128, 64), BaseQuantizeConfig({ nbits: 4, group_size: 64, axis: 1 }), { compute_dtype: torch.float32 });
    const sd = layer.state_dict();
    expect(Object.keys(sd).sort()).toEqual(["W_q", "bias", "scale", "zero"]);
    expect(sd.W_q!.dtype).toBe(torch.uint8);
    expect([...sd.W_q!.shape]).toEqual([64, 64]);  // the [128, 64] view of the groups, two codes a byte
    expect([...sd.scale!.shape]).toEqual([128, 1]);
    expect("weight" in layer).toBe(false);
    expect(String(layer)).toBe("HQQLinear(in_features=128, out_features=64, bias=True)");
    expect([...layer.unpack({ reshape: true, dtype: torch.uint8 }).shape]).toEqual([64, 128]);
  });

  it("from_weights, no bias, view_as_float keeps the same bytes", () => {
    torch.manual_seed(5);
    const w = torch.randn([16, 64]);
    for (const nbits of [8, 4, 3, 2]) {
      const plain = HQQLinear.from_weights(w, null, BaseQuantizeConfig({ nbits, group_size: 64 }), { compute_dtype: torch.float32 });
      const viewed = HQQLinear.from_weights(w, null, BaseQuantizeConfig({ nbits, group_size: 64, view_as_float: true }), { compute_dtype: torch.float16 });
      expect(plain.bias).toBeNull();
      expect(viewed.W_q.dtype).toBe(torch.float16);  // the packed bytes seen as compute_dtype
      expect(viewed.W_q.numel() * 2).toBe(plain.W_q.numel() * plain.W_q.dtype.itemsize);
      expect(viewed.unpack({ dtype: torch.uint8 }).tolist()).toEqual(plain.unpack({ dtype: torch.uint8 }).tolist());
    }
  });

  it("refuses what it cannot quantize", () => {
    expect(() => new HQQLinear(new nn.ReLU() as unknown as nn.Linear, BaseQuantizeConfig())).toThrow(/expected an nn.Linear/);
    expect(() => new HQQLinear(seeded_linear(6, 64, 4), { nbits: 4 } as never)).toThrow(/BaseQuantizeConfig/);
    expect(() => new HQQLinear(seeded_linear(6, 60, 5), BaseQuantizeConfig())).toThrow(/group_size 64 does not divide the 300 elements/);
  });
});

describe("HqqConfig", () => {
  it("has transformers' and hqq's defaults", () => {
    const c = new HqqConfig();
    expect(c.quant_method).toBe("hqq");
    expect(c.skip_modules).toEqual(["lm_head"]);
    expect(c.quant_config).toEqual({
      weight_quant_params: { nbits: 4, channel_wise: true, group_size: 64, optimize: true, round_zero: true, axis: 1, view_as_float: false },
      scale_quant_params: null, zero_quant_params: null,
    });
    expect((new HqqConfig({ nbits: 3, group_size: 128, axis: 0 }).quant_config as ReturnType<typeof BaseQuantizeConfig>).weight_quant_params)
      .toMatchObject({ nbits: 3, group_size: 128, axis: 0, round_zero: false });
    const back = HqqConfig.from_dict(JSON.parse(JSON.stringify(c.to_dict())));
    expect(back.to_dict()).toEqual(c.to_dict());
  });

  it("refuses bad values with the reason", () => {
    expect(() => new HqqConfig({ nbits: 7 })).toThrow(/nbits=7 not supported/);
    expect(() => new HqqConfig({ group_size: 60 })).toThrow(/multiple of 8/);
    expect(() => new HqqConfig({ axis: 2 })).toThrow(/only 0 and 1/);
    expect(() => new HqqConfig({ nbit: 4 } as never)).toThrow(/unknown option\(s\) nbit/);
  });
});

class Block extends nn.Module {
  self_attn = new (class extends nn.Module { q_proj = new nn.Linear(64, 64); o_proj = new nn.Linear(64, 64, false); })();
  mlp = new (class extends nn.Module { up_proj = new nn.Linear(64, 128); down_proj = new nn.Linear(128, 64); })();
}

class Tiny extends nn.Module {
  model = new (class extends nn.Module { layers = new nn.ModuleList([new Block(), new Block()]); })();
  lm_head = new nn.Linear(64, 32, false);
}

describe("replace_with_hqq_linear", () => {
  it("linear tags drop model, layers and layer numbers", () => {
    expect(name_to_linear_tag("model.layers.31.self_attn.k_proj")).toBe("self_attn.k_proj");
    expect(name_to_linear_tag("lm_head")).toBe("lm_head");
  });

  it("swaps every nn.Linear but the skipped ones", () => {
    torch.manual_seed(7);
    const model = new Tiny();
    const up = model.get_submodule("model.layers.1.mlp.up_proj") as nn.Linear;
    torch.manual_seed(8);
    const x = torch.randn([3, 64]);
    const want = up(x);
    const names = replace_with_hqq_linear(model, new HqqConfig({ nbits: 8, group_size: 64 }));
    expect(names).toHaveLength(8);
    expect(names).not.toContain("lm_head");
    expect(model.lm_head).toBeInstanceOf(nn.Linear);
    const q = model.get_submodule("model.layers.1.mlp.up_proj") as HQQLinear;
    expect(q).toBeInstanceOf(HQQLinear);
    expect(q.compute_dtype).toBe(torch.float32);  // the layer's own dtype by default
    expect(q(x).sub(want).abs().max().item()).toBeLessThan(0.01);
  });

  it("dynamic_config quantizes only the tags it names, each with its settings", () => {
    const model = new Tiny();
    replace_with_hqq_linear(model, new HqqConfig({ dynamic_config: { "self_attn.q_proj": { nbits: 4 }, "mlp.down_proj": { nbits: 2, group_size: 128 } } }),
      { compute_dtype: torch.float16 });
    const at = (name: string) => model.get_submodule(`model.layers.0.${name}`);
    expect((at("self_attn.q_proj") as HQQLinear).meta.nbits).toBe(4);
    expect((at("mlp.down_proj") as HQQLinear).meta).toMatchObject({ nbits: 2, group_size: 128, packing: "2bit_u8" });
    expect((at("mlp.down_proj") as HQQLinear).compute_dtype).toBe(torch.float16);
    expect(at("self_attn.o_proj")).toBeInstanceOf(nn.Linear);
    expect(at("mlp.up_proj")).toBeInstanceOf(nn.Linear);
  });

  it("a layer that cannot be quantized is named, and the model is left unchanged", () => {
    const model = new Tiny();
    (model.get_submodule("model.layers.1.mlp.down_proj") as nn.Linear).weight.set([3, 7], NaN);
    expect(() => replace_with_hqq_linear(model, new HqqConfig(), { modules_to_not_convert: ["self_attn.q_proj"] }))
      .toThrow(/layer "model.layers.1.mlp.down_proj".*NaN at \[3, 7\].*left unchanged/);
    for (const [, m] of model.named_modules()) expect(m).not.toBeInstanceOf(HQQLinear);
  });
});

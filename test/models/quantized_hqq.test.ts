// from_pretrained with an HqqConfig: every nn.Linear but the skipped lm_head becomes the HQQLinear
// hqq makes of the fixture's layer (HQQLinear itself is checked against hqq in test/quant), in the
// model's dtype (float32, transformers' default for HQQ); the model computes what the float model
// with those dequantized weights computes; generation runs; saving is refused for now.
import { describe, expect, test } from "vitest";
import { hqq, nn, torch, transformers } from "../../kernel/index.js";
import { fixture } from "../helpers/fixtures.js";
import { expect_close } from "./reference.js";
import { fixture_weights, FIXTURES, header, linear_weights, logits, reference_input_ids, scratch } from "./quantized_fixtures.js";

describe.each(FIXTURES.filter((f) => ["tiny-llama", "tiny-gpt-neox"].includes(f.name)))("$name", (fx) => {
  const dir = fixture("models", fx.name);
  const config = () => new transformers.HqqConfig({ nbits: 4, group_size: 32, skip_modules: [fx.head] });

  test("HqqConfig quantizes every Linear but the skipped head as HQQLinear does; logits are the dequantized model's", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: config() });
    const reference = await fx.auto.from_pretrained(dir);
    const weights = fixture_weights(fx.name);
    for (const [name, [out, inp]] of linear_weights(header(fx.name))) {
      const layer = model.get_submodule(name);
      if (name === fx.head) {
        expect(layer.constructor).toBe(nn.Linear);
        continue;
      }
      expect(layer, name).toBeInstanceOf(hqq.HQQLinear);
      const bias = weights[`${name}.bias`] ?? null;
      const direct = hqq.HQQLinear.from_weights(weights[`${name}.weight`]!, bias, config().quant_config as hqq.QuantConfig, { compute_dtype: torch.float32 });
      const got = layer as hqq.HQQLinear;
      expect([out, inp]).toEqual([got.out_features, got.in_features]);
      for (const k of ["W_q", "scale", "zero"] as const) expect(torch.equal(got[k], direct[k]), `${name}.${k}`).toBe(true);
      (reference.get_submodule(name) as nn.Linear).weight.copy_(got.dequantize());
    }
    expect(model.config.quantization_config).toEqual(config().to_dict());
    // the same float32 weights and the same float32 ops: equal up to summation order
    expect_close(logits(fx, model), logits(fx, reference).tolist() as number[][][], { atol: 1e-5, rtol: 1e-5 }, "HQQ logits");
    const out = await model.generate({ input_ids: reference_input_ids(fx), max_new_tokens: 12 });
    expect(out.shape[1]).toBe(reference_input_ids(fx).shape[1]! + 12);
  });

  test("save_pretrained refuses an HQQ model with a clear message", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: config() });
    await expect(model.save_pretrained(scratch())).rejects.toThrow(/HQQ-quantized models is not supported yet/);
  });
});

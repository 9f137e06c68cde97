// from_pretrained with a BitsAndBytesConfig on the tiny fixtures: which layers become
// Linear8bitLt / Linear4bit (transformers keeps the LM head, and T5's `wo` in float32), their codes
// against bnb.functional applied to the fixture's weight (those functions are fixture-verified in
// test/quant), dtypes, memory footprints from the checkpoint's shapes, logits, generation, and
// save_pretrained → from_pretrained with bitsandbytes' keys and transformers' quantization_config.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { bnb, nn, torch, transformers, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";
import { expect_relative_error } from "./reference.js";
import {
  bnb_converted, edit_checkpoint, fixture_weights, FIXTURES, header, logits, numel, reference_input_ids, reference_logits, same_state, scratch,
} from "./quantized_fixtures.js";

const int8_config = () => new transformers.BitsAndBytesConfig({ load_in_8bit: true });
const nf4_config = () => new transformers.BitsAndBytesConfig({ load_in_4bit: true, bnb_4bit_quant_type: "nf4", bnb_4bit_use_double_quant: true });

// transformers' BitsAndBytesConfig(...).to_dict() for these two configs (utils/quantization_config.py):
// the attributes, private _load_in_* included, dtypes by name
const TRANSFORMERS_DICT = {
  quant_method: "bitsandbytes", _load_in_8bit: false, _load_in_4bit: false, llm_int8_threshold: 6.0, llm_int8_skip_modules: null,
  llm_int8_enable_fp32_cpu_offload: false, llm_int8_has_fp16_weight: false, bnb_4bit_quant_type: "fp4", bnb_4bit_use_double_quant: false,
  bnb_4bit_compute_dtype: "float32", bnb_4bit_quant_storage: "uint8", load_in_4bit: false, load_in_8bit: false,
};
const INT8_DICT = { ...TRANSFORMERS_DICT, _load_in_8bit: true, load_in_8bit: true };
const NF4_DICT = { ...TRANSFORMERS_DICT, _load_in_4bit: true, load_in_4bit: true, bnb_4bit_quant_type: "nf4", bnb_4bit_use_double_quant: true };

const module_of = (model: nn.Module, name: string) => model.get_submodule(name);

describe.each(FIXTURES)("$name", (fx) => {
  const dir = fixture("models", fx.name);
  const weights = fixture_weights(fx.name);
  const converted = bnb_converted(fx);

  test("load_in_8bit: Linear8bitLt layers holding int8_vectorwise_quant of the float16 weight; head and float32 modules kept", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: int8_config() });
    for (const [name] of converted) {
      const layer = module_of(model, name);
      expect(layer, name).toBeInstanceOf(bnb.nn.Linear8bitLt);
      const [CB, SCB] = bnb.functional.int8_vectorwise_quant(weights[`${name}.weight`]!.half(), 0);
      const l = layer as bnb.nn.Linear8bitLt;
      expect(torch.equal(l.weight, CB), `${name} CB`).toBe(true);
      expect(torch.equal(l.SCB!, SCB), `${name} SCB`).toBe(true);
      expect(l.state.threshold).toBe(6.0);
      expect(l.state.has_fp16_weights).toBe(false);
    }
    // transformers' default torch_dtype under bitsandbytes is float16; the head stays an nn.Linear
    const head = module_of(model, fx.head);
    expect(head.constructor).toBe(nn.Linear);
    for (const [name, p] of model.named_parameters()) {
      const layer = name.slice(0, name.lastIndexOf("."));
      const want = converted.has(layer) && name.endsWith(".weight") ? "torch.int8"
        : fx.keep_fp32.includes(layer.split(".").pop()!) ? "torch.float32" : "torch.float16";
      expect(String(p.dtype), name).toBe(want);
    }
    expect(model.hf_quantizer?.quant_method).toBe("bitsandbytes");
    expect(model.config.quantization_config).toEqual(INT8_DICT);
  });

  test("load_in_8bit: the footprint drops by what the int8 codes save, SCB and weight_format counted", async () => {
    const h = header(fx.name);
    const fp16 = await fx.auto.from_pretrained(dir, { torch_dtype: torch.float16 });
    const q = await fx.auto.from_pretrained(dir, { quantization_config: int8_config() });
    let want = fp16.get_memory_footprint();
    // float32 `wo`: 2 more bytes per weight
    for (const [k, t] of Object.entries(h)) if (fx.keep_fp32.includes(k.split(".").at(-2)!)) want += 2 * numel(t.shape);
    // per converted layer: 1 byte per weight instead of 2, SCB float32 [out], weight_format uint8 []
    for (const [, [out, inp]] of converted) want += -out! * inp! + 4 * out! + 1;
    expect(q.get_memory_footprint()).toBe(want);
  });

  // LLM.int8() rounds each weight to its row's absmax/127 and each activation row likewise: an RMS
  // error of about max/(127·√12) ≈ 0.7% of a row's RMS (max ≈ 3·RMS) per operand, so ≈ 1% per
  // quantized matmul; at most 8 of them on a path through these 2-layer models, with independent
  // errors adding in quadrature, give ≈ 3%, plus float16 rounding (0.05%)
  test("load_in_8bit: logits within 4% (relative L2) of transformers' float32 logits; greedy generation runs", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: int8_config() });
    expect_relative_error(logits(fx, model), reference_logits(fx), 0.04, "int8 logits");
    const input_ids = reference_input_ids(fx);
    const out = await model.generate({ input_ids, max_new_tokens: 12 });
    const prompt = fx.name === "tiny-t5" ? [0] : (input_ids.tolist() as number[][])[0]!;
    expect(out.shape).toEqual([1, prompt.length + 12]);
    expect((out.tolist() as number[][])[0]!.slice(0, prompt.length)).toEqual(prompt);
  });

  test("load_in_4bit nf4 + double quant: Linear4bit layers holding quantize_4bit of the weight; logits as the dequantized float16 model", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: nf4_config() });
    const reference = await fx.auto.from_pretrained(dir, { torch_dtype: torch.float16 });
    for (const [name] of converted) {
      const layer = module_of(model, name) as bnb.nn.Linear4bit;
      expect(layer, name).toBeInstanceOf(bnb.nn.Linear4bit);
      const w = weights[`${name}.weight`]!.half();
      const [packed, qs] = bnb.functional.quantize_4bit(w, { blocksize: 64, compress_statistics: true, quant_type: "nf4" });
      expect(String(layer.weight.dtype)).toBe("torch.uint8");
      expect(torch.equal(layer.weight, packed), `${name} packed`).toBe(true);
      expect(torch.equal(layer.weight.quant_state!.absmax, qs.absmax), `${name} absmax`).toBe(true);
      expect(torch.equal(layer.weight.quant_state!.state2!.absmax, qs.state2!.absmax), `${name} nested absmax`).toBe(true);
      // the float16 model with this weight dequantized is what the 4-bit layer multiplies by
      (module_of(reference, name) as nn.Linear).weight.copy_(bnb.functional.dequantize_4bit(packed, qs));
    }
    expect(model.config.quantization_config).toEqual(NF4_DICT);
    // the same float16 weights either way; the 4-bit layer sums in float32 (compute_dtype) and
    // rounds once to float16 as nn.Linear does, so only summation order differs: a few float16 ulps
    expect_relative_error(logits(fx, model), logits(fx, reference).float().tolist() as number[][], 2e-3, "nf4 logits vs dequantized model");
    const out = await model.generate({ input_ids: reference_input_ids(fx), max_new_tokens: 12 });
    expect(out.shape[1]).toBe((fx.name === "tiny-t5" ? 1 : reference_input_ids(fx).shape[1]!) + 12);
  });

  test("load_in_4bit: the footprint drops to half a byte per converted weight", async () => {
    const fp16 = await fx.auto.from_pretrained(dir, { torch_dtype: torch.float16 });
    const q = await fx.auto.from_pretrained(dir, { quantization_config: nf4_config() });
    let want = fp16.get_memory_footprint();
    for (const [k, t] of Object.entries(header(fx.name))) if (fx.keep_fp32.includes(k.split(".").at(-2)!)) want += 2 * numel(t.shape);
    // the quant state (absmax, maps) is not a parameter or buffer, in bitsandbytes either
    for (const [, [out, inp]] of converted) want += Math.ceil(out! * inp! / 2) - 2 * out! * inp!;
    expect(q.get_memory_footprint()).toBe(want);
  });

  test.each([["8-bit", int8_config], ["4-bit", nf4_config]] as const)("%s: save_pretrained → from_pretrained gives identical tensors and logits", async (_, config) => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: config() });
    const out = scratch();
    await model.save_pretrained(out);
    const again = await fx.auto.from_pretrained(out);
    expect(again.hf_quantizer?.pre_quantized).toBe(true);
    expect(same_state(model, again)).toEqual([]);
    expect(torch.equal(logits(fx, again), logits(fx, model))).toBe(true);
    expect(again.config.quantization_config).toEqual(model.config.quantization_config);
  });
});

describe("bitsandbytes checkpoints as bitsandbytes and transformers write them", () => {
  const fx = FIXTURES.find((f) => f.name === "tiny-llama")!;
  const dir = fixture("models", fx.name);
  const layer = "model.layers.0.mlp.up_proj";

  test("8-bit: weight int8, SCB float32 [out], weight_format uint8 scalar per layer (llm_int8 fixture's layout); config.json's quantization_config", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: int8_config() });
    const out = scratch();
    await model.save_pretrained(out);
    const saved = load_file(path.join(out, "model.safetensors"));
    const layout: Record<string, string> = fixture_json("quant", "llm_int8", "expected.json").state_dict_keys_Linear8bitLt;
    // tiny-llama's Linear layers have no bias
    const keys = Object.keys(layout).filter((k) => k !== "bias").sort();
    expect(Object.keys(saved).filter((k) => k.startsWith(`${layer}.`)).map((k) => k.slice(layer.length + 1)).sort()).toEqual(keys);
    const [out_f] = header(fx.name)[`${layer}.weight`]!.shape;
    expect([String(saved[`${layer}.weight`]!.dtype), String(saved[`${layer}.SCB`]!.dtype), saved[`${layer}.SCB`]!.shape]).toEqual(["torch.int8", "torch.float32", [out_f]]);
    expect([String(saved[`${layer}.weight_format`]!.dtype), saved[`${layer}.weight_format`]!.shape, Number(saved[`${layer}.weight_format`]!.item())]).toEqual(["torch.uint8", [], 0]);
    const config = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"));
    expect(config.quantization_config).toEqual(INT8_DICT);
    expect(readdirSync(out).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors"]);
  });

  test("4-bit: the keys and quant-state JSON of bitsandbytes' Linear4bit state_dict (nf4 fixture)", async () => {
    const model = await fx.auto.from_pretrained(dir, { quantization_config: nf4_config() });
    const out = scratch();
    await model.save_pretrained(out);
    const saved = load_file(path.join(out, "model.safetensors"));
    const reference = load_file(fixture("quant", "nf4", "linear4bit_main_nf4_state_dict.safetensors"));
    const ours = Object.keys(saved).filter((k) => k.startsWith(`${layer}.`)).map((k) => k.slice(layer.length + 1)).sort();
    expect(ours).toEqual(Object.keys(reference).filter((k) => k !== "bias").sort());
    for (const k of ours) expect(String(saved[`${layer}.${k}`]!.dtype), k).toBe(String(reference[k]!.dtype));
    const json = (t: Tensor) => JSON.parse(Buffer.from(t.contiguous()._data as Uint8Array).toString("utf8"));
    const packed = "weight.quant_state.bitsandbytes__nf4";
    const state = json(saved[`${layer}.${packed}`]!);
    expect(Object.keys(state)).toEqual(Object.keys(json(reference[packed]!)));
    expect(state.shape).toEqual(header(fx.name)[`${layer}.weight`]!.shape);
    expect([state.quant_type, state.blocksize, state.dtype]).toEqual(["nf4", 64, "float16"]);
    const config = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"));
    expect(config.quantization_config).toEqual(NF4_DICT);
  });

  test("a checkpoint missing a quant-state key is refused, naming the key", async () => {
    for (const [config, key] of [[int8_config, `${layer}.SCB`], [nf4_config, `${layer}.weight.nested_absmax`], [nf4_config, `${layer}.weight.quant_state.bitsandbytes__nf4`]] as const) {
      const out = scratch();
      await (await fx.auto.from_pretrained(dir, { quantization_config: config() })).save_pretrained(out);
      edit_checkpoint(out, (t) => { delete t[key]; });
      await expect(fx.auto.from_pretrained(out)).rejects.toThrow(`missing "${key}"`);
    }
  });

  test("a mis-shaped quant-state entry is refused, naming the layer and the key", async () => {
    const cases = [
      [int8_config, "SCB", (t: Tensor) => t.get("0:3")],
      [nf4_config, "weight.absmax", (t: Tensor) => t.get("0:1")],
      [nf4_config, "weight", (t: Tensor) => t.get("0:4")],
    ] as const;
    for (const [config, key, cut] of cases) {
      const out = scratch();
      await (await fx.auto.from_pretrained(dir, { quantization_config: config() })).save_pretrained(out);
      edit_checkpoint(out, (t) => { t[`${layer}.${key}`] = cut(t[`${layer}.${key}`]!).contiguous(); });
      const err = await fx.auto.from_pretrained(out).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(`layer "${layer}"`);
      expect((err as Error).message).toContain(key);
    }
  });

  test("llm_int8_skip_modules replaces transformers' default; BitsAndBytesConfig validates its options", async () => {
    const config = new transformers.BitsAndBytesConfig({ load_in_8bit: true, llm_int8_skip_modules: ["mlp"] });
    const model = await fx.auto.from_pretrained(dir, { quantization_config: config });
    expect(module_of(model, "model.layers.0.mlp.up_proj").constructor).toBe(nn.Linear);
    expect(module_of(model, "model.layers.0.self_attn.q_proj")).toBeInstanceOf(bnb.nn.Linear8bitLt);
    expect(module_of(model, "lm_head")).toBeInstanceOf(bnb.nn.Linear8bitLt);
    expect(() => new transformers.BitsAndBytesConfig({ load_in_8bit: true, load_in_4bit: true })).toThrow(/only one/);
    expect(() => new transformers.BitsAndBytesConfig({ load_in_4bit: true, bnb_4bit_quant_type: "int4" as "nf4" })).toThrow(/bnb_4bit_quant_type/);
    await expect(fx.auto.from_pretrained(dir, { quantization_config: new transformers.BitsAndBytesConfig() })).rejects.toThrow(/load_in_8bit or load_in_4bit/);
    expect(transformers.BitsAndBytesConfig.from_dict(NF4_DICT).to_dict()).toEqual(NF4_DICT);
  });
});

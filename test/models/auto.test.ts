// AutoConfig / AutoModel / AutoModelForCausalLM: picking classes by model_type, config defaults
// and overrides, base models from head checkpoints, and the errors for damaged checkpoints.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { deepcopy, torch, transformers } from "../../kernel/index.js";
import { load_file, save_file } from "../../kernel/models/safetensors.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { expect_close, load_ref } from "./causal_lm_checks.js";

const neox = load_ref("tiny-gpt-neox");
const opt = load_ref("tiny-opt");
const llama = load_ref("tiny-llama");

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

// a copy of a fixture whose config.json and tensors an edit may change (the file itself stays a
// valid safetensors file: only what it holds is wrong for the model)
function damaged(dir: string, o: { config?: (c: Record<string, unknown>) => void; tensors?: (t: Record<string, Tensor>) => void }): string {
  const out = mkdtempSync(path.join(tmpdir(), "lowbit-damaged-"));
  made.push(out);
  const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
  o.config?.(config);
  writeFileSync(path.join(out, "config.json"), JSON.stringify(config));
  copyFileSync(path.join(dir, "generation_config.json"), path.join(out, "generation_config.json"));
  const tensors = load_file(path.join(dir, "model.safetensors"));
  o.tensors?.(tensors);
  save_file(tensors, path.join(out, "model.safetensors"), { format: "pt" });
  return out;
}

describe("AutoConfig", () => {
  test("picks the config class by model_type, keeps every key and fills transformers' defaults", async () => {
    const c = await transformers.AutoConfig.from_pretrained(llama.dir);
    expect(c).toBeInstanceOf(transformers.LlamaConfig);
    expect(c.num_key_value_heads).toBe(2);
    expect(c.rms_norm_eps).toBe(1e-6);
    expect(c.mlp_bias).toBe(false);                 // not in config.json: LlamaConfig's default
    expect(c.transformers_version).toBe("4.40.2");
    const o = await transformers.AutoConfig.from_pretrained(opt.dir, { do_layer_norm_before: false });
    expect(o).toBeInstanceOf(transformers.OPTConfig);
    expect(o.prefix).toBe("</s>");
    expect(o.word_embed_proj_dim).toBe(64);
    expect(o.do_layer_norm_before).toBe(false);     // an override wins over the file
  });

  test("attribute_map aliases read and write the real key, in copies too", () => {
    class AliasedConfig extends transformers.PretrainedConfig {
      static override attribute_map = { n_embd: "hidden_size" };
    }
    const c = new AliasedConfig({ n_embd: 8 });
    expect(c.hidden_size).toBe(8);
    expect(c.to_dict()).not.toHaveProperty("n_embd");
    const copy = deepcopy(c);
    copy.hidden_size = 16;
    expect([c.n_embd, copy.n_embd]).toEqual([8, 16]);
  });

  test("an unknown or missing model_type names the supported ones", async () => {
    const unknown = damaged(neox.dir, { config: (c) => { c.model_type = "mamba"; } });
    await expect(transformers.AutoConfig.from_pretrained(unknown)).rejects.toThrow(/model_type "mamba" is not supported \(supported: gpt_neox, opt, llama/);
    await expect(transformers.AutoModelForCausalLM.from_pretrained(unknown)).rejects.toThrow(/config\.json: model_type "mamba"/);
    const none = damaged(neox.dir, { config: (c) => { delete c.model_type; } });
    await expect(transformers.AutoConfig.from_pretrained(none)).rejects.toThrow(/config\.json has no "model_type"/);
  });

  test("a config.json without a shape key names the file and the key", async () => {
    const dir = damaged(neox.dir, { config: (c) => { delete c.hidden_size; } });
    await expect(transformers.AutoModelForCausalLM.from_pretrained(dir)).rejects.toThrow(/config\.json is missing "hidden_size"/);
  });
});

describe("AutoModel", () => {
  test("AutoModelForCausalLM picks the class by model_type", async () => {
    for (const [ref, cls] of [[neox, transformers.GPTNeoXForCausalLM], [opt, transformers.OPTForCausalLM], [llama, transformers.LlamaForCausalLM]] as const) {
      const model = await transformers.AutoModelForCausalLM.from_pretrained(ref.dir);
      expect(model).toBeInstanceOf(cls);
      expect(model.training).toBe(false);
      expect(model.name_or_path).toBe(ref.dir);
      expect(model.generation_config.eos_token_id).toBe(ref.ref.generation.eos_token_id);
    }
  });

  test("OPT's lm_head is the embedding itself", async () => {
    const model = await transformers.OPTForCausalLM.from_pretrained(opt.dir);
    expect(model.lm_head.weight).toBe(model.model.decoder.embed_tokens.weight);
  });

  test("AutoModel loads the base model out of a checkpoint with a head", async () => {
    for (const [ref, cls] of [[neox, transformers.GPTNeoXModel], [opt, transformers.OPTModel], [llama, transformers.LlamaModel]] as const) {
      const model = await transformers.AutoModel.from_pretrained(ref.dir);
      expect(model).toBeInstanceOf(cls);
      const out = model(ref.ids);
      expect_close(out.last_hidden_state.get(0), ref.ref.hidden_states.final_norm, ref.tol_hidden, "last_hidden_state");
      await expect(model.generate({ input_ids: ref.ids })).rejects.toThrow(/cannot generate: it has no language-model head/);
    }
  });

  test("from_config builds fresh weights of the config's shapes", async () => {
    const config = await transformers.AutoConfig.from_pretrained(opt.dir);
    const model = transformers.AutoModelForCausalLM.from_config(config);
    expect(model.num_parameters()).toBe((await transformers.AutoModelForCausalLM.from_pretrained(opt.dir)).num_parameters());
  });
});

describe("damaged checkpoints", () => {
  test("a missing weight is named with the file, and nothing loads", async () => {
    const dir = damaged(llama.dir, { tensors: (h) => { delete h["model.layers.1.mlp.up_proj.weight"]; } });
    await expect(transformers.AutoModelForCausalLM.from_pretrained(dir)).rejects.toThrow(/model\.safetensors does not fit LlamaForCausalLM[^]*missing weight "model\.layers\.1\.mlp\.up_proj\.weight" \(shape \[176, 64\]\)/);
  });

  test("a weight of the wrong shape", async () => {
    const dir = damaged(neox.dir, { tensors: (h) => { h["embed_out.weight"] = h["embed_out.weight"]!.reshape(64, 512); } });
    await expect(transformers.AutoModelForCausalLM.from_pretrained(dir)).rejects.toThrow(/weight "embed_out\.weight" has shape \[64, 512\] in the file, the model needs \[512, 64\]/);
  });

  test("an unexpected weight; the buffers older checkpoints carry are ignored", async () => {
    const extra = damaged(opt.dir, { tensors: (h) => { h["model.decoder.extra.weight"] = h["model.decoder.final_layer_norm.weight"]!.clone(); } });
    await expect(transformers.AutoModelForCausalLM.from_pretrained(extra)).rejects.toThrow(/unexpected weight "model\.decoder\.extra\.weight"/);
    const old = damaged(neox.dir, { tensors: (h) => { h["gpt_neox.layers.0.attention.rotary_emb.inv_freq"] = torch.tensor([1, 0.01], { dtype: torch.float32 }); } });
    const model = await transformers.AutoModelForCausalLM.from_pretrained(old);
    expect_close(model(neox.ids).logits.get(0), neox.ref.logits, neox.tol_logits, "logits");
  });

  test("torch_dtype must be floating point", async () => {
    await expect(transformers.AutoModelForCausalLM.from_pretrained(neox.dir, { torch_dtype: torch.int8 })).rejects.toThrow(/torch_dtype must be a floating-point dtype/);
  });
});

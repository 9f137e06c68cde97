// GPT-NeoX: the shared decoder-only checks against tiny-gpt-neox and tiny-gpt-neox-bf16, and dtypes.
import { describe, expect, test } from "vitest";
import { nn, torch, transformers } from "../../kernel/index.js";
import { causal_mask } from "../../kernel/nn/attention.js";
import { describe_causal_lm, expect_close, load_ref } from "./causal_lm_checks.js";

describe_causal_lm("tiny-gpt-neox", { head: "embed_out", layers: "gpt_neox.layers" });

// tiny-gpt-neox-bf16 stores the weights as BF16. transformers loads them as float32 by default
// (the reference's tight numbers); with torch_dtype "auto" it computes in bfloat16 (native_bf16).
describe_causal_lm("tiny-gpt-neox-bf16", { head: "embed_out", layers: "gpt_neox.layers" });

describe("dtypes", () => {
  const { dir, ref, ids } = load_ref("tiny-gpt-neox-bf16");
  const native = ref.native_bf16;

  test("default load upcasts to float32", async () => {
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir);
    expect(model.dtype).toBe(torch.float32);
  });

  test("torch_dtype auto computes in bfloat16 like transformers", async () => {
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir, { torch_dtype: "auto" });
    expect(model.dtype).toBe(torch.bfloat16);
    for (const [, p] of model.named_parameters()) expect(p.dtype).toBe(torch.bfloat16);
    const out = model(ids);
    expect(out.logits.dtype).toBe(torch.bfloat16);
    expect_close(out.logits.get(0), native.logits, { atol: 0.25, rtol: 0 }, "bf16 logits");
    const seq = await model.generate({ input_ids: ids, max_new_tokens: ref.generation.max_new_tokens });
    expect(seq.tolist()).toEqual(native.sequences);
  });

  test("model.to(bfloat16) after a float32 load equals loading in bfloat16", async () => {
    const a = (await transformers.AutoModelForCausalLM.from_pretrained(dir)).to(torch.bfloat16);
    const b = await transformers.AutoModelForCausalLM.from_pretrained(dir, { torch_dtype: torch.bfloat16 });
    expect(a(ids).logits.equal(b(ids).logits)).toBe(true);
  });

  test("float16", async () => {
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir, { torch_dtype: "float16" });
    expect(model.dtype).toBe(torch.float16);
    expect_close(model(ids).logits.get(0), ref.logits, { atol: 0.25, rtol: 0 }, "fp16 logits");
  });

  test("sequential residual (use_parallel_residual false) follows the config", async () => {
    const model = await transformers.GPTNeoXForCausalLM.from_pretrained(dir, { use_parallel_residual: false });
    expect(model.config.use_parallel_residual).toBe(false);
    // layer 0 with the same weights wired as x = x + attn(ln1 x); x = x + mlp(ln2 x)
    const T = ids.shape[1];
    const h = model.gpt_neox.embed_in(ids);
    const layer = model.gpt_neox.layers[0] as transformers.GPTNeoXLayer;
    const [cos, sin] = new nn.RotaryEmbedding(4).forward(torch.arange(T).view(1, -1), torch.float32);
    const attn = layer.attention(layer.input_layernorm(h), { mask: causal_mask(null, T, T, torch.float32), cos, sin, past: null });
    const x1 = attn.add(h);
    const want = layer.mlp(layer.post_attention_layernorm(x1)).add(x1);
    expect(model({ input_ids: ids, output_hidden_states: true }).hidden_states[1].equal(want)).toBe(true);
  });
});

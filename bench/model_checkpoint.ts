// The model benchmark's checkpoint: EleutherAI/pythia-410m's config.json with seeded random
// weights, written once into a cache directory and reused while its stamp matches. Drawing 405M
// normals takes about a minute; reading the cached file back takes seconds.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { torch, Tensor } from "../kernel/index.js";
import { BytesBar } from "../kernel/models/bytes_bar.js";
import { save_checkpoint, WEIGHTS_NAME } from "../kernel/models/checkpoint.js";

/** config.json of EleutherAI/pythia-410m, with torch_dtype float32 since the weights are stored so. */
export const PYTHIA_410M = {
  architectures: ["GPTNeoXForCausalLM"], model_type: "gpt_neox", torch_dtype: "float32",
  hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16, intermediate_size: 4096,
  vocab_size: 50304, rotary_pct: 0.25, rotary_emb_base: 10000, max_position_embeddings: 2048,
  layer_norm_eps: 1e-5, use_parallel_residual: true, tie_word_embeddings: false, hidden_act: "gelu",
  initializer_range: 0.02, bos_token_id: 0, eos_token_id: 0, use_cache: true,
};

const SEED = 0, STD = 0.02;
const STAMP = "lowbit-bench.json";

export const DEFAULT_DIR = path.join(os.tmpdir(), "lowbit-bench-pythia-410m");

export interface Checkpoint {
  dir: string;
  /** bytes of model.safetensors */
  bytes: number;
  parameters: number;
}

type Init = "normal" | "ones" | "zeros";

/** The tensors of GPTNeoXForCausalLM in the order transformers writes them. */
function layout(c: typeof PYTHIA_410M): [string, number[], Init][] {
  const H = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
  const norm = (p: string): [string, number[], Init][] => [[`${p}.weight`, [H], "ones"], [`${p}.bias`, [H], "zeros"]];
  const linear = (p: string, out: number, inp: number): [string, number[], Init][] =>
    [[`${p}.weight`, [out, inp], "normal"], [`${p}.bias`, [out], "normal"]];
  const out: [string, number[], Init][] = [["gpt_neox.embed_in.weight", [V, H], "normal"]];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `gpt_neox.layers.${i}`;
    out.push(...norm(`${p}.input_layernorm`), ...norm(`${p}.post_attention_layernorm`),
      ...linear(`${p}.attention.query_key_value`, 3 * H, H), ...linear(`${p}.attention.dense`, H, H),
      ...linear(`${p}.mlp.dense_h_to_4h`, I, H), ...linear(`${p}.mlp.dense_4h_to_h`, H, I));
  }
  out.push(...norm("gpt_neox.final_layer_norm"), ["embed_out.weight", [V, H], "normal"]);
  return out;
}

const stamp = () => JSON.stringify({ config: PYTHIA_410M, seed: SEED, std: STD });

function cached(dir: string): Checkpoint | null {
  const file = path.join(dir, WEIGHTS_NAME), stamp_file = path.join(dir, STAMP);
  if (!existsSync(stamp_file) || !existsSync(file)) return null;
  const saved = JSON.parse(readFileSync(stamp_file, "utf8")) as { stamp: string; bytes: number; parameters: number };
  if (saved.stamp !== stamp() || statSync(file).size !== saved.bytes) return null;
  return { dir, bytes: saved.bytes, parameters: saved.parameters };
}

/** The cached checkpoint in `dir`, made first when missing or made from another config. Weights
 *  and biases ~ N(0, 0.02) (biases too, so that a side ignoring one would disagree), layer norms 1 and 0. */
export function ensure_checkpoint(dir = DEFAULT_DIR): Checkpoint {
  const have = cached(dir);
  if (have) return have;
  // the stamp goes first and last: a run killed midway leaves no stamp, and is redone
  rmSync(path.join(dir, STAMP), { force: true });
  const tensors = layout(PYTHIA_410M);
  const bar = new BytesBar("Random weights", tensors.reduce((n, [, s]) => n + 4 * s.reduce((a, b) => a * b, 1), 0));
  const state: Record<string, Tensor> = {};
  torch.manual_seed(SEED);
  try {
    for (const [name, shape, init] of tensors) {
      const t = init === "ones" ? torch.ones(shape) : init === "zeros" ? torch.zeros(shape) : torch.empty(shape).normal_(0, STD);
      state[name] = t;
      bar.add(t.nbytes);
    }
  } finally {
    bar.close();
  }
  save_checkpoint(dir, state, { max_shard_size: "100GB" });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(PYTHIA_410M, null, 2) + "\n");
  const bytes = statSync(path.join(dir, WEIGHTS_NAME)).size;
  const parameters = Object.values(state).reduce((n, t) => n + t.numel(), 0);
  writeFileSync(path.join(dir, STAMP), JSON.stringify({ stamp: stamp(), bytes, parameters }) + "\n");
  return { dir, bytes, parameters };
}

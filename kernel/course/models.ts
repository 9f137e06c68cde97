// The models a lesson loads, by the hub id the course uses. With `real: true` that id itself
// (from_pretrained downloads it); otherwise a tiny random-weight stand-in of the same architecture,
// with the real model's tokenizer and vocabulary, built once into a cache directory, so that a
// lesson runs offline, in seconds and in little memory (Binder, CI), tokenize → generate → decode
// included. Its weights are random, so its text is gibberish; the code is the course's.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { package_root } from "../package.js";
import { default_generator } from "../tensor/random.js";
import type { PreTrainedModel } from "../models/modeling_utils.js";
import { GPTNeoXConfig, GPTNeoXForCausalLM } from "../models/gpt_neox.js";
import { T5Config, T5ForConditionalGeneration } from "../models/t5.js";
import { BlipConfig } from "../models/blip/configuration.js";
import { BlipForConditionalGeneration } from "../models/blip/blip.js";

// bump when a stand-in changes, so caches built by an older lowbit are not reused
const VERSION = 1;

interface StandIn {
  /** The tokenizer files, from lessons/assets/tokenizers/<dir>. */
  tokenizer: { dir: string; files: string[] };
  /** The model, its config shaped like the real one's but tiny. */
  build(): PreTrainedModel;
  /** Files the real repository has besides (name → JSON content). */
  extra?: Record<string, unknown>;
  /** Lines to append to a tokenizer file. */
  append?: Record<string, string>;
}

const STAND_INS: Record<string, StandIn> = {
  "EleutherAI/pythia-410m": {
    tokenizer: { dir: "pythia", files: ["tokenizer.json"] },
    // the real one: hidden 1024, 24 layers, 16 heads, intermediate 4096
    build: () => new GPTNeoXForCausalLM(new GPTNeoXConfig({
      vocab_size: 50304, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 256,
      hidden_act: "gelu", rotary_pct: 0.25, rotary_emb_base: 10000, max_position_embeddings: 2048, layer_norm_eps: 1e-5,
      use_parallel_residual: true, tie_word_embeddings: false, bos_token_id: 0, eos_token_id: 0, architectures: ["GPTNeoXForCausalLM"],
    })),
  },
  "google/flan-t5-small": {
    tokenizer: { dir: "flan-t5", files: ["spiece.model"] },
    // the real one: d_model 512, 8 + 8 layers, 6 heads of 64, d_ff 1024
    build: () => new T5ForConditionalGeneration(new T5Config({
      vocab_size: 32128, d_model: 64, d_kv: 16, num_heads: 4, d_ff: 128, num_layers: 2, num_decoder_layers: 2,
      feed_forward_proj: "gated-gelu", relative_attention_num_buckets: 32, relative_attention_max_distance: 128,
      layer_norm_epsilon: 1e-6, tie_word_embeddings: false, is_encoder_decoder: true,
      decoder_start_token_id: 0, eos_token_id: 1, pad_token_id: 0, architectures: ["T5ForConditionalGeneration"],
    })),
  },
  "Salesforce/blip-image-captioning-base": {
    // BLIP's tokenizer is BERT's vocabulary plus [DEC] (its bos, id 30522) and [ENC] (30523)
    tokenizer: { dir: "bert-base-uncased", files: ["vocab.txt"] },
    // the real one: a ViT-B/16 at 384×384 and a 12-layer BERT decoder, both of width 768
    build: () => new BlipForConditionalGeneration(new BlipConfig({
      projection_dim: 64, image_text_hidden_size: 64,
      text_config: { vocab_size: 30524, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, projection_dim: 64 },
      vision_config: { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, image_size: 384, patch_size: 16, projection_dim: 64 },
      architectures: ["BlipForConditionalGeneration"],
    })),
    append: { "vocab.txt": "[DEC]\n[ENC]\n" },
    extra: {
      "tokenizer_config.json": { tokenizer_class: "BertTokenizer", do_lower_case: true, bos_token: "[DEC]", additional_special_tokens: ["[ENC]"], model_max_length: 512, processor_class: "BlipProcessor" },
      "preprocessor_config.json": {
        do_convert_rgb: true, do_normalize: true, do_rescale: true, do_resize: true, image_processor_type: "BlipImageProcessor",
        image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711],
        processor_class: "BlipProcessor", resample: 3, rescale_factor: 0.00392156862745098, size: { height: 384, width: 384 },
      },
    },
  },
};

/** The hub ids `model()` has stand-ins for. */
export const MODELS = Object.keys(STAND_INS);

/** A file of the lessons' assets (lessons/assets/), e.g. `course.asset("beach.png")`. */
export function asset(...parts: string[]): string {
  const p = path.join(package_root(), "lessons", "assets", ...parts);
  if (!existsSync(p)) throw new Error(`the lesson asset ${p} is missing: lowbit's lessons/assets/ folder is incomplete (check out the repository again)`);
  return p;
}

/** Where stand-ins are built: $XDG_CACHE_HOME/lowbit/course, else ~/.cache/lowbit/course. */
export function cache_dir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "lowbit", "course");
}

/**
 * What to pass to from_pretrained for the course's model `hub_id`: the id itself when `real`,
 * else the directory of its tiny stand-in (built on first use; the same weights every time, and
 * torch's random stream is left as it was).
 */
export async function model(hub_id: string, o: { real?: boolean } = {}): Promise<string> {
  if (o.real) return hub_id;
  const spec = STAND_INS[hub_id];
  if (!spec) throw new Error(`course.model: no offline stand-in for "${hub_id}"; the lessons' models are ${MODELS.join(", ")}. Pass { real: true } to load "${hub_id}" from the hub.`);
  const dir = path.join(cache_dir(), `${hub_id.replace("/", "--")}-tiny-v${VERSION}`);
  if (!existsSync(dir)) await build_stand_in(spec, dir);
  return dir;
}

// Built in a temporary directory renamed into place, so an interrupted build is never reused.
async function build_stand_in(spec: StandIn, dir: string): Promise<void> {
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const state = default_generator.get_state();
    let m: PreTrainedModel;
    try {
      default_generator.manual_seed(0);
      m = spec.build();
    } finally {
      default_generator.set_state(state);
    }
    await m.save_pretrained(tmp);
    for (const f of spec.tokenizer.files) copyFileSync(asset("tokenizers", spec.tokenizer.dir, f), path.join(tmp, f));
    for (const [f, lines] of Object.entries(spec.append ?? {})) writeFileSync(path.join(tmp, f), lines, { flag: "a" });
    for (const [f, content] of Object.entries(spec.extra ?? {})) writeFileSync(path.join(tmp, f), JSON.stringify(content, null, 2) + "\n");
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // another process may have built it meanwhile
    if (!existsSync(dir)) throw e;
  }
}

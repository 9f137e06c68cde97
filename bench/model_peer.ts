// Drives bench/gpt_neox_torch.py, PyTorch's side of `npm run bench:model`: a plain-torch GPT-NeoX
// forward over the same checkpoint, one process per thread count.
import { PythonPeer } from "./peer.js";

export type ModelDtype = "float32" | "bfloat16";

/** One greedy generation, timed per phase (the same fields lowbit's side reports). */
export interface Generation {
  /** the prompt's forward and its first token */
  prefill_s: number;
  /** the other tokens, one forward each */
  decode_s: number;
  decode_tokens: number;
  new_tokens: number[];
}

/** torch's OpenMP workers busy-wait after each parallel op by default, and a model's forward
 *  alternates those ops with OpenBLAS calls, whose own threads then find the cores taken: at 2
 *  threads on 2 cores that made torch's decoding 6x slower. Passive waiting is torch's best here. */
export const PEER_ENV = { OMP_WAIT_POLICY: "PASSIVE" };

export class ModelPeer extends PythonPeer {
  static async start(threads: number): Promise<ModelPeer> {
    const peer = new ModelPeer("gpt_neox_torch.py", threads, PEER_ENV);
    await peer.started();
    return peer;
  }

  /** Reads dir's config.json and model.safetensors in `dtype` (dropping the model it held). */
  async load(dir: string, dtype: ModelDtype): Promise<void> {
    await this.request({ op: "load", dir, dtype });
  }

  generate(input_ids: number[], max_new_tokens: number): Promise<Generation> {
    return this.request<Generation>({ op: "generate", input_ids, max_new_tokens });
  }
}

// lowbit's side of `npm run bench:model`: the checkpoint loaded with from_pretrained and greedy
// generation through model.generate, timed per phase like bench/gpt_neox_torch.py.
import { torch, transformers } from "../kernel/index.js";
import type { Generation, ModelDtype } from "./model_peer.js";

export class LowbitModel {
  private constructor(private readonly model: transformers.GPTNeoXForCausalLM) {}

  static async load(dir: string, dtype: ModelDtype): Promise<LowbitModel> {
    return new LowbitModel(await transformers.GPTNeoXForCausalLM.from_pretrained(dir, { torch_dtype: torch[dtype] }));
  }

  /** Greedy decoding of exactly max_new_tokens (EOS does not stop it, as on torch's side). The
   *  prefill is the first forward (the prompt), timed by a forward hook on the model. */
  async generate(input_ids: number[], max_new_tokens: number): Promise<Generation> {
    let prefilled: bigint | null = null;
    const hook = this.model.register_forward_hook(() => { prefilled ??= process.hrtime.bigint(); });
    const t0 = process.hrtime.bigint();
    let out;
    try {
      out = await this.model.generate({
        input_ids: torch.tensor([input_ids], { dtype: torch.int64 }), max_new_tokens, do_sample: false, eos_token_id: null,
      });
    } finally {
      hook.remove();
    }
    const t2 = process.hrtime.bigint(), t1 = prefilled ?? t2;
    const new_tokens = (out.get(0).tolist() as number[]).slice(input_ids.length).map(Number);
    if (new_tokens.length !== max_new_tokens) throw new Error(`lowbit generated ${new_tokens.length} tokens, not ${max_new_tokens}`);
    return { prefill_s: Number(t1 - t0) * 1e-9, decode_s: Number(t2 - t1) * 1e-9, decode_tokens: max_new_tokens - 1, new_tokens };
  }
}

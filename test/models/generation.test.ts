// generate(): settings and their defaults, the sampling draw against torch 1.13's multinomial, the
// logits warpers against transformers' formulas (run in torch), and unsupported settings.
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { torch, transformers } from "../../kernel/index.js";
import { multinomial_one } from "../../kernel/models/generation/sampling.js";
import type { PreTrainedModel } from "../../kernel/models/modeling_utils.js";
import { load_ref } from "./causal_lm_checks.js";

const neox = load_ref("tiny-gpt-neox");
const load = () => transformers.AutoModelForCausalLM.from_pretrained(neox.dir) as Promise<PreTrainedModel>;
const T = neox.ids.shape[1];

// runs Python with Debian's torch; `code` prints one JSON value
function torch_py<T>(code: string): T {
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", `import torch, json\n${code}`], { encoding: "utf8" }));
}

// rows of logits with a wide spread, as float32 values both sides read exactly
torch.manual_seed(3);
const scores = torch.randn([3, 40]).mul(3);
const scores_py = `torch.tensor(${JSON.stringify(scores.tolist())}, dtype=torch.float32)`;

describe("sampling", () => {
  test("multinomial draw equals torch.multinomial(probs, 1) for the same seed", () => {
    const probs = scores.softmax(-1);
    const want = torch_py<number[][]>(`p = ${scores_py}.softmax(-1)
out = []
for seed in range(5):
    torch.manual_seed(seed)
    out.append([torch.multinomial(p, 1).squeeze(1).tolist() for _ in range(3)])
print(json.dumps(out))`);
    const got = [0, 1, 2, 3, 4].map((seed) => {
      torch.manual_seed(seed);
      return [0, 1, 2].map(() => multinomial_one(probs).tolist());
    });
    expect(got).toEqual(want);
  });

  // transformers 4.40's TopKLogitsWarper / TopPLogitsWarper / TemperatureLogitsWarper bodies
  test("warpers mask what transformers' warpers mask", () => {
    const want = torch_py<Record<string, boolean[][]>>(`s = ${scores_py}
def top_k(s, k):
    return s < torch.topk(s, k)[0][..., -1, None]
def top_p(s, p, keep=1):
    sorted_logits, sorted_indices = torch.sort(s, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - p)
    sorted_indices_to_remove[..., -keep:] = 0
    return sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
print(json.dumps({"k5": top_k(s, 5).tolist(), "p09": top_p(s, 0.9).tolist(), "p05_t07": top_p(s / 0.7, 0.5).tolist()}))`);
    const removed = (t: ReturnType<typeof torch.tensor>) => t.isinf().tolist();
    expect(removed(new transformers.TopKLogitsWarper(5).__call__(neox.ids, scores))).toEqual(want.k5);
    expect(removed(new transformers.TopPLogitsWarper(0.9).__call__(neox.ids, scores))).toEqual(want.p09);
    const t = new transformers.TemperatureLogitsWarper(0.7).__call__(neox.ids, scores);
    expect(removed(new transformers.TopPLogitsWarper(0.5).__call__(neox.ids, t))).toEqual(want.p05_t07);
  });

  test("torch.manual_seed makes sampling reproducible; top_k 1 is greedy", async () => {
    const model = await load();
    const run = async (seed: number) => {
      torch.manual_seed(seed);
      return (await model.generate({ input_ids: neox.ids, do_sample: true, temperature: 1.5, top_p: 0.95, max_new_tokens: 12 })).tolist();
    };
    const a = await run(0);
    expect(await run(0)).toEqual(a);
    expect(await run(1)).not.toEqual(a);
    const greedy = await model.generate({ input_ids: neox.ids, do_sample: true, top_k: 1, max_new_tokens: 12 });
    expect(greedy.tolist()).toEqual(neox.ref.generation.sequences);
  });
});

describe("settings", () => {
  test("max_length counts the prompt; without settings generation_config's max_length (20) applies", async () => {
    const model = await load();
    expect((await model.generate({ input_ids: neox.ids, max_length: T + 3 })).shape).toEqual([1, T + 3]);
    const dflt = (await model.generate({ input_ids: neox.ids })).tolist() as number[][];
    expect(dflt[0]!.length).toBe(20);
    expect(dflt[0]!.slice(0, T + 12)).toEqual(neox.ref.generation.sequences[0]);
  });

  test("defaults come from the model's generation_config", async () => {
    const model = await load();
    model.generation_config.max_new_tokens = 4;
    expect((await model.generate({ input_ids: neox.ids })).shape).toEqual([1, T + 4]);
    const gc = new transformers.GenerationConfig({ max_new_tokens: 2 });
    expect((await model.generate({ input_ids: neox.ids, generation_config: gc })).shape).toEqual([1, T + 2]);
  });

  test("a mask from pad tokens when none is given", async () => {
    const model = await load();
    const pad = 5;
    const ids = torch.tensor([[pad, pad, ...neox.ref.input_ids[0]]]);
    const seq = await model.generate({ input_ids: ids, pad_token_id: pad, max_new_tokens: 12 });
    expect((seq.tolist() as number[][])[0]!.slice(2)).toEqual(neox.ref.generation.sequences[0]);
  });

  test("beam search and other unsupported settings are refused by name", async () => {
    const model = await load();
    await expect(model.generate({ input_ids: neox.ids, num_beams: 2 })).rejects.toThrow(/num_beams=2 \(beam search\) is not supported/);
    await expect(model.generate({ input_ids: neox.ids, repetition_penalty: 1.2 })).rejects.toThrow(/repetition_penalty=1.2 is not supported/);
    await expect(model.generate({})).rejects.toThrow(/pass the prompt as `input_ids`/);
  });
});

describe("DynamicCache", () => {
  test("grows past its first capacity and returns everything written", () => {
    const cache = new transformers.DynamicCache();
    const a = torch.randn([1, 2, 3, 4]), b = torch.randn([1, 2, 5, 4]);
    cache.update(a, a.neg(), 0);
    const [k, v] = cache.update(b, b.neg(), 0);
    expect(cache.get_seq_length()).toBe(8);
    expect(k.equal(torch.cat([a, b], 2))).toBe(true);
    expect(v.equal(torch.cat([a, b], 2).neg())).toBe(true);
  });
});

// `lowbit demo`: the data-types lesson in a terminal, computed by lowbit.
import { copy, nn, torch } from "./index.js";
import { format_fixed } from "./tensor/print.js";
import type { Tensor } from "./tensor/tensor.js";

class DummyModel extends nn.Module {
  token_embedding = new nn.Embedding(2, 2);
  linear_1 = new nn.Linear(2, 2);
  layernorm_1 = new nn.LayerNorm(2);
  linear_2 = new nn.Linear(2, 2);
  layernorm_2 = new nn.LayerNorm(2);
  head = new nn.Linear(2, 2);
  override forward(x: Tensor): Tensor {
    let h = this.token_embedding(x);
    h = this.layernorm_1(this.linear_1(h));
    h = this.layernorm_2(this.linear_2(h));
    return this.head(h);
  }
}

export function demo(log: (s: string) => void = console.log): void {
  log("== Integers and floats ==");
  for (const d of [torch.uint8, torch.int8]) log(String(torch.iinfo(d)));
  for (const d of [torch.float16, torch.bfloat16]) log(String(torch.finfo(d)));

  log("\n== 1/3 in each floating type, to 60 decimals ==");
  for (const d of [torch.float64, torch.float32, torch.float16, torch.bfloat16]) {
    const t = torch.tensor(1 / 3, { dtype: d });
    log(`${String(d).padEnd(15)} ${format_fixed(t.item() as number, 60)}`);
  }

  log("\n== Downcasting 1000 random values ==");
  torch.manual_seed(0);
  const a = torch.rand(1000);
  const b = a.to(torch.bfloat16);
  log(`first values, fp32: ${a.get(":5")}`);
  log(`first values, bf16: ${b.get(":5")}`);
  log(`dot(a, a) in fp32: ${torch.dot(a, a).item()}, in bf16: ${torch.dot(b, b).item()}`);

  log("\n== A model in fp32 and bf16 ==");
  torch.manual_seed(1);
  const model = new DummyModel();
  log(String(model));
  const x = torch.tensor([[1, 0], [0, 1]]);
  const logits_fp32 = model(x);
  const model_bf16 = copy.deepcopy(model).to(torch.bfloat16);
  const logits_bf16 = model_bf16(x);
  const diff = torch.abs(logits_bf16.sub(logits_fp32));
  log(`logits fp32: ${logits_fp32}`);
  log(`logits bf16: ${logits_bf16}`);
  log(`mean diff: ${diff.mean().item()}, max diff: ${diff.max().item()}`);
  for (const [name, p] of model_bf16.named_parameters()) log(`${name.padEnd(24)} ${p.dtype}`);
}

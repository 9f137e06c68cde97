// nn.init: the initialisers, drawing from the generator exactly as torch.nn.init does.
import { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../tensor/random.js";

export function calculate_gain(nonlinearity: string, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d": case "sigmoid":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d":
      return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.sqrt(2);
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case "selu": return 3 / 4;
    default: throw new TypeError(`Unsupported nonlinearity ${nonlinearity}`);
  }
}

export function _calculate_fan_in_and_fan_out(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const receptive = t._shape.slice(2).reduce((p, d) => p * d, 1);
  return [t._shape[1]! * receptive, t._shape[0]! * receptive];
}

type G = { generator?: Generator };

export function uniform_(t: Tensor, a = 0, b = 1, o: G = {}): Tensor {
  return t.uniform_(a, b, o);
}
export function normal_(t: Tensor, mean = 0, std = 1, o: G = {}): Tensor {
  return t.normal_(mean, std, o);
}
export function constant_(t: Tensor, val: number): Tensor {
  return t.fill_(val);
}
export function zeros_(t: Tensor): Tensor {
  return t.zero_();
}
export function ones_(t: Tensor): Tensor {
  return t.fill_(1);
}

export interface KaimingOptions extends G {
  a?: number;
  mode?: "fan_in" | "fan_out";
  nonlinearity?: string;
}

function kaiming_std(t: Tensor, o: KaimingOptions): number {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  const fan = (o.mode ?? "fan_in") === "fan_in" ? fan_in : fan_out;
  const gain = calculate_gain(o.nonlinearity ?? "leaky_relu", o.a ?? 0);
  return gain / Math.sqrt(fan);
}

export function kaiming_uniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaiming_std(t, o);
  return t.uniform_(-bound, bound, o);
}
export function kaiming_normal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  return t.normal_(0, kaiming_std(t, o), o);
}

export function xavier_uniform_(t: Tensor, o: G & { gain?: number } = {}): Tensor {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  const std = (o.gain ?? 1) * Math.sqrt(2 / (fan_in + fan_out));
  const a = Math.sqrt(3) * std;
  return t.uniform_(-a, a, o);
}
export function xavier_normal_(t: Tensor, o: G & { gain?: number } = {}): Tensor {
  const [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
  return t.normal_(0, (o.gain ?? 1) * Math.sqrt(2 / (fan_in + fan_out)), o);
}

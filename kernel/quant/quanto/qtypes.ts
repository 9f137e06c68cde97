// optimum-quanto's qtype objects (tensor/qtype.py): qint8, qint4, qint2. They print as quanto's
// dataclass does (`quanto.qint8` as str, the dataclass fields as repr).
import { inspect } from "node:util";
import { DType, int8 } from "../../tensor/dtype.js";

export class qtype {
  constructor(
    readonly name: string,
    readonly is_floating_point: boolean,
    readonly bits: number,
    /** the storage dtype */
    readonly dtype: DType,
    readonly qmin: number,
    readonly qmax: number,
  ) {}

  toString(): string {
    return `quanto.${this.name}`;
  }

  /** the dataclass repr */
  __repr__(): string {
    return `qtype(name='${this.name}', is_floating_point=${this.is_floating_point ? "True" : "False"}, bits=${this.bits}, ` +
      `dtype=${this.dtype}, qmin=${this.qmin}, qmax=${this.qmax})`;
  }

  [inspect.custom](): string {
    return this.__repr__();
  }
}

function qint(bits: number): qtype {
  return new qtype(`qint${bits}`, false, bits, int8, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1);
}

export const qint2 = qint(2);
export const qint4 = qint(4);
export const qint8 = qint(8);

/** quanto's `qtypes` dict (the integer ones lowbit supports) */
export const qtypes: Readonly<Record<string, qtype>> = { qint2, qint4, qint8 };

/** weights= may be a qtype, its name ("qint4"), or torch.int8 / "int8" as transformers' QuantoConfig
 *  writes it. */
export function as_qtype(w: unknown, fn: string, what = "weights"): qtype {
  if (w instanceof qtype) return w;
  const name = w instanceof DType ? w.name : typeof w === "string" ? w : null;
  if (name !== null) {
    const q = qtypes[name] ?? qtypes[`q${name}`];
    if (q) return q;
  }
  throw new TypeError(`${fn}: unsupported ${what} type ${w instanceof DType ? `torch.${w.name}` : typeof w === "string" ? `"${w}"` : String(w)}; ` +
    `expected quanto.qint8, quanto.qint4, quanto.qint2 (or torch.int8, "qint8", "int4", "int2")`);
}

/** activations= is quanto.qint8 (or "qint8", "int8", torch.int8): quanto quantizes activations
 *  into 8-bit ActivationQBytesTensor only, and its float8 activations need float8 kernels lowbit
 *  does not have. */
export function as_activation_qtype(a: unknown, fn: string): qtype {
  const name = a instanceof qtype || a instanceof DType ? a.name : typeof a === "string" ? a : "";
  if (name.includes("float8")) {
    throw new TypeError(`${fn}: float8 activations (${name}) are not supported in lowbit, which has no float8 type; use activations: quanto.qint8, or null for weight-only quantization`);
  }
  const q = as_qtype(a, fn, "activations");
  if (q.bits !== 8) throw new TypeError(`${fn}: activations must be 8-bit (quanto.qint8), got ${q}; quanto quantizes activations to 8 bits only`);
  return q;
}

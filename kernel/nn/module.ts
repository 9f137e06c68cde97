// nn.Module: callable instances (model(x)), children and parameters found from the attributes
// in assignment order as Python's __setattr__ registers them, hooks, state dicts, dtype
// conversion, train/eval, deepcopy and PyTorch's repr.
import { inspect } from "node:util";
import { as_dtype, DType } from "../tensor/dtype.js";
import { check_device } from "../tensor/ops/cast.js";
import { fmt_shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

export type ForwardPreHook = (module: Module, args: unknown[]) => unknown[] | unknown | void;
export type ForwardHook = (module: Module, args: unknown[], output: unknown) => unknown | void;

export class RemovableHandle {
  constructor(private readonly map: Map<number, unknown>, readonly id: number) {}
  remove(): void {
    this.map.delete(this.id);
  }
}

let next_hook_id = 0;

// torch's global hooks (torch.nn.modules.module): they run on every module's call, before the
// module's own hooks, as optimum-quanto's Calibration needs to see each layer's inputs and outputs
const global_forward_pre_hooks = new Map<number, ForwardPreHook>();
const global_forward_hooks = new Map<number, ForwardHook>();

/** torch.nn.modules.module.register_module_forward_pre_hook: a pre-hook for every module. */
export function register_module_forward_pre_hook(hook: ForwardPreHook): RemovableHandle {
  const id = next_hook_id++;
  global_forward_pre_hooks.set(id, hook);
  return new RemovableHandle(global_forward_pre_hooks as Map<number, unknown>, id);
}

/** torch.nn.modules.module.register_module_forward_hook: a forward hook for every module. */
export function register_module_forward_hook(hook: ForwardHook): RemovableHandle {
  const id = next_hook_id++;
  global_forward_hooks.set(id, hook);
  return new RemovableHandle(global_forward_hooks as Map<number, unknown>, id);
}

/** Makes instances callable: the constructor returns a function whose prototype is the class's. */
export class Callable {
  constructor() {
    const f = (...args: unknown[]): unknown => (f as unknown as Module).__call__(...args);
    // functions own `name` and `length`; drop them so modules may use those attribute names
    delete (f as { name?: string }).name;
    delete (f as { length?: number }).length;
    return Object.setPrototypeOf(f, new.target.prototype);
  }
}

const HIDDEN = { enumerable: false, writable: true, configurable: true } as const;

export interface Module {
  /** model(x) runs the pre-hooks, forward and the hooks, as Python's Module.__call__. */
  (...args: any[]): any;  // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Module extends Callable {
  declare training: boolean;
  declare _buffer_names: Set<string>;
  declare _non_persistent: Set<string>;
  declare _forward_hooks: Map<number, ForwardHook>;
  declare _forward_pre_hooks: Map<number, ForwardPreHook>;

  constructor() {
    super();
    // bookkeeping is non-enumerable, so only user attributes are walked for children/parameters
    Object.defineProperty(this, "training", { ...HIDDEN, value: true });
    Object.defineProperty(this, "_buffer_names", { ...HIDDEN, value: new Set<string>() });
    Object.defineProperty(this, "_non_persistent", { ...HIDDEN, value: new Set<string>() });
    Object.defineProperty(this, "_forward_hooks", { ...HIDDEN, value: new Map() });
    Object.defineProperty(this, "_forward_pre_hooks", { ...HIDDEN, value: new Map() });
  }

  /** Defines the computation; subclasses override it. */
  forward(..._args: any[]): any {  // eslint-disable-line @typescript-eslint/no-explicit-any
    throw new Error(`Module [${this._get_name()}] is missing the required "forward" function`);
  }

  __call__(...args: unknown[]): unknown {
    // global hooks first, then the module's own, iterated in place: copying them into one array
    // would cost every module call (each layer of each decoding step) two allocations
    let a = args;
    for (const hooks of [global_forward_pre_hooks, this._forward_pre_hooks]) {
      for (const hook of hooks.values()) {
        const r = hook(this, a);
        if (r !== undefined) a = Array.isArray(r) ? r : [r];
      }
    }
    let out = this.forward(...a);
    for (const hooks of [global_forward_hooks, this._forward_hooks]) {
      for (const hook of hooks.values()) {
        const r = hook(this, a, out);
        if (r !== undefined) out = r;
      }
    }
    return out;
  }

  register_forward_hook(hook: ForwardHook): RemovableHandle {
    const id = next_hook_id++;
    this._forward_hooks.set(id, hook);
    return new RemovableHandle(this._forward_hooks as Map<number, unknown>, id);
  }

  register_forward_pre_hook(hook: ForwardPreHook): RemovableHandle {
    const id = next_hook_id++;
    this._forward_pre_hooks.set(id, hook);
    return new RemovableHandle(this._forward_pre_hooks as Map<number, unknown>, id);
  }

  // ------------------------------------------------------------------ registration
  register_buffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (name.includes(".")) throw new TypeError(`buffer name can't contain ".", got: ${name}`);
    if (name in this && !this._buffer_names.has(name)) throw new TypeError(`attribute '${name}' already exists`);
    (this as unknown as Record<string, unknown>)[name] = tensor;
    this._buffer_names.add(name);
    if (!persistent) this._non_persistent.add(name);
    else this._non_persistent.delete(name);
  }

  register_parameter(name: string, param: Parameter | null): void {
    if (name.includes(".")) throw new TypeError(`parameter name can't contain ".", got: ${name}`);
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  add_module(name: string, module: Module | null): void {
    if (name.includes(".")) throw new TypeError(`module name can't contain ".", got: ${name}`);
    (this as unknown as Record<string, unknown>)[name] = module;
  }
  register_module(name: string, module: Module | null): void {
    this.add_module(name, module);
  }

  // ------------------------------------------------------------------ traversal
  *named_children(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        yield [k, v];
      }
    }
  }
  *children(): Generator<Module> {
    for (const [, m] of this.named_children()) yield m;
  }

  *named_modules(memo: Set<Module> = new Set(), prefix = "", remove_duplicate = true): Generator<[string, Module]> {
    if (remove_duplicate && memo.has(this)) return;
    if (remove_duplicate) memo.add(this);
    yield [prefix, this];
    for (const [name, m] of this.named_children()) {
      yield* m.named_modules(memo, prefix ? `${prefix}.${name}` : name, remove_duplicate);
    }
  }
  *modules(): Generator<Module> {
    for (const [, m] of this.named_modules()) yield m;
  }

  /** Own parameters: enumerable attributes holding a Parameter. */
  private *own_parameters(): Generator<[string, Parameter]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Parameter) yield [k, v];
  }
  private *own_buffers(): Generator<[string, Tensor]> {
    for (const k of this._buffer_names) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Tensor) yield [k, v];
    }
  }

  // PyTorch's _named_members: one member kind over this module (and its descendants), prefixed
  private *named_members<T extends Tensor>(get: (m: Module) => Iterable<[string, T]>, prefix: string, recurse: boolean,
    remove_duplicate: boolean): Generator<[string, T]> {
    const seen = new Set<Tensor>();
    const mods = recurse ? this.named_modules(new Set(), prefix) : ([[prefix, this]] as Iterable<[string, Module]>);
    for (const [mp, m] of mods) {
      for (const [k, v] of get(m)) {
        if (remove_duplicate && seen.has(v)) continue;
        seen.add(v);
        yield [mp ? `${mp}.${k}` : k, v];
      }
    }
  }

  *named_parameters(prefix = "", recurse = true, remove_duplicate = true): Generator<[string, Parameter]> {
    yield* this.named_members((m) => m.own_parameters(), prefix, recurse, remove_duplicate);
  }
  *parameters(recurse = true): Generator<Parameter> {
    for (const [, p] of this.named_parameters("", recurse)) yield p;
  }

  *named_buffers(prefix = "", recurse = true, remove_duplicate = true): Generator<[string, Tensor]> {
    yield* this.named_members((m) => m.own_buffers(), prefix, recurse, remove_duplicate);
  }
  *buffers(recurse = true): Generator<Tensor> {
    for (const [, b] of this.named_buffers("", recurse)) yield b;
  }

  get_submodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    for (const part of target.split(".")) {
      const next = (m as unknown as Record<string, unknown>)[part];
      if (!(next instanceof Module)) throw new TypeError(`${m._get_name()} has no attribute \`${part}\``);
      m = next;
    }
    return m;
  }
  get_parameter(target: string): Parameter {
    const i = target.lastIndexOf(".");
    const mod = this.get_submodule(i < 0 ? "" : target.slice(0, i));
    const p = (mod as unknown as Record<string, unknown>)[target.slice(i + 1)];
    if (!(p instanceof Parameter)) throw new TypeError(`\`${target.slice(i + 1)}\` is not an nn.Parameter`);
    return p;
  }

  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  // ------------------------------------------------------------------ state
  state_dict(prefix = ""): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [mp, m] of this.named_modules(new Set(), prefix.replace(/\.$/, ""), false)) {
      const pre = mp ? `${mp}.` : "";
      for (const [k, p] of m.own_parameters()) out[pre + k] = p.detach();
      for (const [k, b] of m.own_buffers()) if (!m._non_persistent.has(k)) out[pre + k] = b.detach();
    }
    return out;
  }

  /** Copies tensors into the parameters and buffers (cast to their dtypes); shapes must match. */
  load_state_dict(state: Record<string, Tensor> | Map<string, Tensor>, strict = true): { missing_keys: string[]; unexpected_keys: string[] } {
    const entries = state instanceof Map ? Object.fromEntries(state) : state;
    const own = this.state_dict();
    const missing = Object.keys(own).filter((k) => !(k in entries));
    const unexpected = Object.keys(entries).filter((k) => !(k in own));
    const errors: string[] = [];
    for (const [k, target] of Object.entries(own)) {
      const src = entries[k];
      if (!src) continue;
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${k}", expected a Tensor, got ${typeof src}`);
        continue;
      }
      if (src.ndim !== target.ndim || src._shape.some((s, i) => s !== target._shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmt_shape(src._shape)} from checkpoint, the shape in current model is ${fmt_shape(target._shape)}.`);
      }
    }
    if (strict) {
      if (unexpected.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(", ")}.`);
      if (missing.length) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this._get_name()}:\n\t${errors.join("\n\t")}`);
    // nothing is written until every key checked out
    for (const [k, target] of Object.entries(own)) {
      const src = entries[k];
      if (src) target.copy_(src);
    }
    return { missing_keys: missing, unexpected_keys: unexpected };
  }

  // ------------------------------------------------------------------ dtype / device / mode
  /** to(dtype) / to(device) / to({ dtype, device }): floating parameters and buffers change in
   *  place (the same Parameter objects), integer ones keep their dtype, as in torch. */
  to(...args: (DType | string | { dtype?: DType | string; device?: string } | undefined)[]): this {
    let dtype: DType | undefined;
    for (const a of args) {
      if (a === undefined) continue;
      if (typeof a === "string" && (a === "cpu" || a.startsWith("cuda"))) {
        check_device(a);
      } else if (typeof a === "object" && !(a instanceof DType)) {
        if (a.device) check_device(a.device);
        if (a.dtype !== undefined) dtype = as_dtype(a.dtype);
      } else {
        dtype = as_dtype(a);
      }
    }
    if (dtype && !dtype.is_floating_point) throw new TypeError(`nn.Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`);
    if (!dtype) return this;
    for (const m of this.modules()) {
      for (const [, p] of m.own_parameters()) if (p.dtype.is_floating_point) p._set(p.to(dtype));
      for (const k of m._buffer_names) {
        const b = (m as unknown as Record<string, unknown>)[k];
        if (b instanceof Tensor && b.dtype.is_floating_point) b._set(b.to(dtype));
      }
    }
    return this;
  }
  half(): this { return this.to("float16"); }
  float(): this { return this.to("float32"); }
  double(): this { return this.to("float64"); }
  bfloat16(): this { return this.to("bfloat16"); }
  cpu(): this { return this; }
  cuda(): this { return this.to("cuda"); }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  requires_grad_(flag = true): this {
    for (const p of this.parameters()) p.requires_grad = flag;
    return this;
  }
  zero_grad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** copy.deepcopy(model): an independent model with copies of every tensor. */
  deepcopy(): this {
    return deepcopy(this);
  }

  // ------------------------------------------------------------------ repr
  _get_name(): string {
    return this.constructor.name;
  }
  extra_repr(): string {
    return "";
  }
  override toString(): string {
    const extra = this.extra_repr();
    const extra_lines = extra ? extra.split("\n") : [];
    const child_lines = [...this.named_children()].map(([k, m]) => `(${k}): ${add_indent(String(m), 2)}`);
    const lines = [...extra_lines, ...child_lines];
    let s = this._get_name() + "(";
    if (lines.length) {
      if (extra_lines.length === 1 && child_lines.length === 0) s += extra_lines[0];
      else s += "\n  " + lines.join("\n  ") + "\n";
    }
    return s + ")";
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

function add_indent(s: string, n: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => " ".repeat(n) + l)].join("\n");
}

/** Python's copy.deepcopy for modules, tensors, arrays, maps, sets and plain objects; shared
 *  references stay shared within the copy. */
export function deepcopy<T>(value: T, memo: Map<unknown, unknown> = new Map()): T {
  const v = value as unknown;
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return value;
  if (memo.has(v)) return memo.get(v) as T;
  if (v instanceof Tensor) {
    const data = v.clone();
    const c = v instanceof Parameter ? new Parameter(data, v.requires_grad) : data;
    if (!(v instanceof Parameter)) c.requires_grad = v.requires_grad;
    memo.set(v, c);
    return c as T;
  }
  if (typeof v === "function" && !(v instanceof Module)) return value;  // plain functions are shared
  if (v instanceof DType) return value;
  let out: unknown;
  if (v instanceof Module) {
    const f = (...args: unknown[]): unknown => (f as unknown as Module).__call__(...args);
    delete (f as { name?: string }).name;
    delete (f as { length?: number }).length;
    out = Object.setPrototypeOf(f, Object.getPrototypeOf(v));
  } else if (Array.isArray(v)) {
    out = [];
  } else if (v instanceof Map) {
    const m = new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(deepcopy(k, memo), deepcopy(x, memo));
    return m as T;
  } else if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(deepcopy(x, memo));
    return s as T;
  } else if (ArrayBuffer.isView(v)) {
    return (v as unknown as { slice(): unknown }).slice() as T;
  } else {
    out = Object.create(Object.getPrototypeOf(v));
  }
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ("value" in d) d.value = deepcopy(d.value, memo);
    Object.defineProperty(out, key, d);
  }
  return out as T;
}

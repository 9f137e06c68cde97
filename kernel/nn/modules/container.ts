// Sequential and ModuleList: children named "0", "1", ..., reachable as seq[0] like Python.
import { Module } from "../module.js";

export class Sequential extends Module {
  [index: number]: Module;
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      for (const [k, m] of Object.entries(modules[0] as Record<string, Module>)) this.add_module(k, m);
    } else {
      (modules as Module[]).forEach((m, i) => this.add_module(String(i), m));
    }
  }
  override get length(): number {
    return [...this.named_children()].length;
  }
  append(m: Module): this {
    this.add_module(String(this.length), m);
    return this;
  }
  *[Symbol.iterator](): Iterator<Module> {
    yield* this.children();
  }
  override forward(x: unknown): unknown {
    let y = x;
    for (const m of this.children()) y = m(y);
    return y;
  }
}

export class ModuleList extends Module {
  [index: number]: Module;
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  override get length(): number {
    let n = 0;
    while (n in this) n++;
    return n;
  }
  append(m: Module): this {
    this.add_module(String(this.length), m);
    return this;
  }
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
  insert(index: number, m: Module): void {
    const items = [...this];
    items.splice(index, 0, m);
    items.forEach((x, i) => this.add_module(String(i), x));
  }
  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.length; i++) yield this[i]!;
  }
  override forward(): never {
    throw new Error("ModuleList is not callable; iterate over it and call its modules");
  }
}

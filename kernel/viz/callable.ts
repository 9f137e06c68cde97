// Python calls classes like functions (`display(Markdown("# hi"))`); TypeScript needs `new`.
// Wrapping a class in a Proxy accepts both, and keeps `instanceof` and subclassing working.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Class = new (...args: any[]) => object;

/** The class, callable without `new` as well. */
export function callable_class<C extends Class>(cls: C): C & ((...args: ConstructorParameters<C>) => InstanceType<C>) {
  return new Proxy(cls, {
    apply: (target, _this, args: ConstructorParameters<C>) => new target(...args),
  }) as C & ((...args: ConstructorParameters<C>) => InstanceType<C>);
}

// progress(): tqdm for lowbit. Wraps an iterable (sync or async) or a count and draws a bar as the
// loop advances: in a notebook one output updated in place, outside one a line on stderr.
import { ProgressBar, type ProgressOptions } from "./progress/bar.js";

export { ProgressBar, type ProgressOptions };

// the length of an array or typed array, the size of a Set or Map
function length_of(it: unknown): number | undefined {
  const o = it as { length?: unknown; size?: unknown };
  if (typeof o.length === "number") return o.length;
  if (typeof o.size === "number") return o.size;
  return undefined;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

// An item counts once the loop asks for the next one, as in tqdm; breaking out closes the bar.
function* track<T>(it: Iterable<T>, bar: ProgressBar): Generator<T> {
  try {
    for (const x of it) {
      yield x;
      bar.update(1);
    }
  } finally {
    bar.close();
  }
}

async function* track_async<T>(it: AsyncIterable<T>, bar: ProgressBar): AsyncGenerator<T> {
  try {
    for await (const x of it) {
      yield x;
      bar.update(1);
    }
  } finally {
    bar.close();
  }
}

/** for (const batch of progress(batches, { desc: "calibrating" })) ...; progress(100) counts 0..99;
 *  for await works over async iterables (streams, generation). */
export function progress(n: number, o?: ProgressOptions): Generator<number>;
export function progress<T>(it: Iterable<T>, o?: ProgressOptions): Generator<T>;
export function progress<T>(it: AsyncIterable<T>, o?: ProgressOptions): AsyncGenerator<T>;
export function progress<T>(it: number | Iterable<T> | AsyncIterable<T>, o: ProgressOptions = {}): Generator<T | number> | AsyncGenerator<T> {
  const source = typeof it === "number" ? range(it) : it;
  const bar = new ProgressBar({ ...o, total: o.total ?? (typeof it === "number" ? it : length_of(it)) });
  if (typeof (source as Partial<AsyncIterable<T>>)[Symbol.asyncIterator] === "function") return track_async(source as AsyncIterable<T>, bar);
  return track(source as Iterable<T | number>, bar);
}

/** A bar advanced by hand: bar.update(n), bar.set_postfix({...}), bar.close(). */
progress.bar = (o: ProgressOptions = {}): ProgressBar => new ProgressBar(o);

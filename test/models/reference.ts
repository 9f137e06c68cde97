// Comparing model outputs with a fixture's reference.json: its rule |got - ref| <= atol + rtol*|ref|
// element-wise, reporting the worst elements by index.
import { expect } from "vitest";
import { Tensor } from "../../kernel/tensor/tensor.js";

type Nested = number | Nested[];

export interface Tol { atol: number; rtol: number }

export function expect_close(got: Tensor, ref: Nested, tol: Tol, what: string): void {
  const want = (ref as Nested[]).flat(Infinity as 1) as number[];
  const g = got.float().contiguous().reshape(-1).tolist() as number[];
  expect(g.length, `${what}: element count`).toBe(want.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < g.length; i++) {
    const w = Math.fround(want[i]!);
    if (Math.abs(g[i]! - w) <= tol.atol + tol.rtol * Math.abs(w)) continue;
    if (++count <= 5) bad.push(`[${i}] got ${g[i]}, want ${w}`);
  }
  expect(bad, `${what}: ${count} of ${g.length} elements outside ${tol.atol} + ${tol.rtol}*|ref|`).toEqual([]);
}

/** ||got - ref|| / ||ref|| <= bound: closeness for low-precision runs, where elements near zero
 *  carry the absolute error of their larger neighbours. */
export function expect_relative_error(got: Tensor, ref: Nested, bound: number, what: string): void {
  const want = (ref as Nested[]).flat(Infinity as 1) as number[];
  const g = got.float().contiguous().reshape(-1).tolist() as number[];
  expect(g.length, `${what}: element count`).toBe(want.length);
  let diff = 0, norm = 0;
  for (let i = 0; i < g.length; i++) {
    diff += (g[i]! - want[i]!) ** 2;
    norm += want[i]! ** 2;
  }
  expect(Math.sqrt(diff / norm), `${what}: relative error`).toBeLessThanOrEqual(bound);
}

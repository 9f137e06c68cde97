// `check`, what a lesson's test cells call: it runs a set of assertions, shows the learner which
// passed (✓/✗ with expected and actual values, never a traceback), and carries the counts in a
// MIME type of its own that the grader reads. Assertions run while `check.hidden(true)` is on --
// the grader turns it on around the hidden tests -- report pass/fail only, never their message.
//
//   check("ex1", (t) => {
//     t.equal(int16_info.min, -32768, "torch.iinfo(torch.int16).min");
//     t.close(third.item(), 0.333251953125, "1/3 in float16", { atol: 1e-9 });
//     t.ok(x.dtype === torch.int8, "x is int8");
//   });
import { display } from "../viz/display.js";
import { mismatch, show, type Tolerance } from "./compare.js";

export const CHECK_MIME = "application/vnd.lowbit.check+json";

export interface Assertion {
  passed: boolean;
  /** absent for hidden tests */
  message?: string;
  hidden: boolean;
}

export interface CheckResult {
  id: string;
  passed: number;
  total: number;
  assertions: Assertion[];
}

export interface Tester {
  /** `actual` equals `expected` exactly (tensors: dtype, shape and values) */
  equal(actual: unknown, expected: unknown, what?: string): void;
  /** numbers, arrays or tensors within |a - e| <= atol + rtol * |e| (defaults 1e-8, 1e-5) */
  close(actual: unknown, expected: unknown, what?: string, tol?: Tolerance): void;
  /** a condition holds */
  ok(condition: unknown, what?: string): void;
}

let hidden = false;

function record(r: CheckResult, passed: boolean, message: string): void {
  r.assertions.push(hidden ? { passed, hidden: true } : { passed, message, hidden: false });
  r.total++;
  if (passed) r.passed++;
}

function tester(r: CheckResult): Tester {
  const assert = (problem: string | null, what: string) => record(r, problem === null, problem === null ? what : `${what}: ${problem}`);
  return {
    equal: (actual, expected, what = `equals ${show(expected)}`) => assert(mismatch(actual, expected), what),
    close: (actual, expected, what = `close to ${show(expected)}`, tol = {}) => assert(mismatch(actual, expected, tol), what),
    ok: (condition, what = "condition holds") => assert(condition ? null : "it does not", what),
  };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot" }[c]};`);

function line(a: Assertion): string {
  const text = a.hidden ? (a.passed ? "a hidden test passed" : "a hidden test failed") : a.message!;
  return `${a.passed ? "✓" : "✗"} ${text}`;
}

function headline(r: CheckResult): string {
  if (r.total === 0) return `${r.id}: no checks ran`;
  return r.passed === r.total ? `${r.id}: all ${r.total} checks passed` : `${r.id}: ${r.passed} of ${r.total} checks passed`;
}

/** The result as text: a headline, then a ✓/✗ line per assertion. */
export function check_text(r: CheckResult): string {
  return [headline(r), ...r.assertions.map((a) => `  ${line(a)}`)].join("\n");
}

/** What the learner sees, and what the grader reads. */
export function check_bundle(r: CheckResult): Record<string, unknown> {
  const ok = r.total > 0 && r.passed === r.total;
  const html = `<div style="border-left:4px solid ${ok ? "#2e7d32" : "#c62828"};padding:4px 10px;font-family:monospace">` +
    `<b>${escape(headline(r))}</b><br>${r.assertions.map((a) => `<span style="color:${a.passed ? "#2e7d32" : "#c62828"}">${escape(line(a))}</span>`).join("<br>")}</div>`;
  return {
    "text/plain": check_text(r),
    "text/html": html,
    [CHECK_MIME]: { id: r.id, passed: r.passed, total: r.total, assertions: r.assertions },
  };
}

function report(r: CheckResult): void {
  display({ _repr_mimebundle_: () => check_bundle(r) });
}

function failed(r: CheckResult, e: unknown): void {
  const err = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  record(r, false, `the test stopped with ${err}`);
}

/** Runs a test's assertions and shows the result. An exception in `fn` (a learner's function that
 *  throws, an undefined value) is a failed check, not an error; an async `fn` makes check
 *  return a promise to await. */
function run_check(id: string, fn: (t: Tester) => void | Promise<void>): void | Promise<void> {
  const r: CheckResult = { id, passed: 0, total: 0, assertions: [] };
  let ret: void | Promise<void>;
  try {
    ret = fn(tester(r));
  } catch (e) {
    failed(r, e);
    hidden = false;
    return report(r);
  }
  if (ret && typeof (ret as Promise<void>).then === "function") {
    return (ret as Promise<void>).then(() => {}, (e) => failed(r, e)).finally(() => {
      hidden = false;
      report(r);
    });
  }
  report(r);
}

/** Keeps the messages of the assertions that follow out of every output (the grader's switch). */
function set_hidden(on: boolean): void {
  hidden = on;
}

// frozen, so that a submission cannot swap the switch or the function behind it for its own
const with_switch = Object.defineProperty(Object.assign(run_check, { hidden: set_hidden }), "name", { value: "check" });
export const check: typeof with_switch = Object.freeze(with_switch);

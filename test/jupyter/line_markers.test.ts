// The pre-pass over a cell's source before tslab converts it: line markers, shorthand properties
// spelled out, and diagnostics' columns mapped back to what the learner typed.
import { describe, expect, it } from "vitest";
import { mark_lines, unmark_column } from "../../kernel/jupyter/line_markers.js";

const strip = (s: string) => s.replace(/\/\*@L\d+\*\//g, "");

describe("mark_lines", () => {
  it("spells out shorthand properties, defaults in destructuring included, and nothing else", () => {
    const src = "const o = { a, b: 2, c };\n({ d = 1 } = o);\nconst { e } = o;\nf({ g }, `{ h }`, '{ i }');";
    expect(strip(mark_lines(src).text)).toBe(
      "const o = { a: a, b: 2, c: c };\n({ d: d = 1 } = o);\nconst { e } = o;\nf({ g: g }, `{ h }`, '{ i }');");
  });

  it("maps a column of the marked text back to the original line", () => {
    const src = "const x = 1;\nconst o = { a, bb }; o.zz";
    const m = mark_lines(src);
    const marked_line = m.text.split("\n")[1]!;
    for (const [orig, token] of [[src.split("\n")[1]!.indexOf("zz"), "zz"], [src.split("\n")[1]!.indexOf("bb"), "bb"], [0, "/*"]] as const) {
      const col = marked_line.indexOf(token === "/*" ? "/*" : token);
      expect(unmark_column(m, 1, col)).toBe(orig);
    }
  });
});

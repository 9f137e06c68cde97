// One notebook that exercises what front ends must carry: streams, rich displays, a plot, a display
// updated in place (also from a later cell), a failing native op, and input() -- plus how to
// compare two executions of it.
import { writeFileSync } from "node:fs";
import type { Notebook, Output } from "../../kernel/jupyter/notebook.js";

export const CELLS = [
  `console.log("hello from lowbit"); 1 + 1`,
  `const t = torch.tensor([[1.5, -2], [0.25, 4]]); display(t); t.sum()`,
  "const h = display(Markdown(\"step 0\"), { display_id: \"progress\" })!;\nfor (let i = 1; i <= 3; i++) h.update(Markdown(`step ${i}`));",
  `viz.line([[1, 3, 2]], { title: "a plot" })`,
  `torch.ones([2, 3]).matmul(torch.ones([2, 3]))`,
  `const name = await input("name? ")`,
  `update_display(Markdown("done"), { display_id: "progress" }); "after the errors"`,
];

export function write_fixture_notebook(file: string): void {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "lowbit", display_name: "lowbit (TypeScript)", language: "typescript" } },
    cells: [
      { cell_type: "markdown", id: "intro", metadata: {}, source: ["# Front-end check\n", "Every kind of output."] },
      ...CELLS.map((source, i) => ({ cell_type: "code" as const, id: `cell-${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    ],
  };
  writeFileSync(file, JSON.stringify(nb, null, 1));
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A code cell's outputs with multiline strings joined and random ids (plot divs) replaced. */
export function normalized(nb: Notebook): unknown[] {
  const join = (v: unknown): unknown => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v);
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => ({
    execution_count: c.execution_count,
    outputs: (c.outputs ?? []).map((o: Output) => {
      const r: Record<string, unknown> = { ...o };
      if ("text" in o) r.text = join(o.text);
      if (o.data) r.data = Object.fromEntries(Object.entries(o.data as Record<string, unknown>).map(([k, v]) => [k, join(v)]));
      return JSON.parse(JSON.stringify(r).replace(UUID, "<uuid>"));
    }),
  }));
}

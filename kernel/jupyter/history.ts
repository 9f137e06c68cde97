// The inputs run this session, answered to history_request (tail, range and search); with
// `output`, each input comes with its result's text/plain, as IPython keeps Out[n].
type Entry = [session: string, line: number, input: string];

export class History {
  private readonly entries: Entry[] = [];
  private readonly outputs = new Map<number, string>();

  add(session: string, line: number, input: string, output?: string): void {
    this.entries.push([session, line, input]);
    if (output !== undefined) this.outputs.set(line, output);
  }

  query(c: Record<string, unknown>): (Entry | [string, number, [string, string | null]])[] {
    let out: Entry[];
    switch (c.hist_access_type) {
      case "range": {
        const start = Number(c.start ?? 0), stop = c.stop === undefined || c.stop === null ? Infinity : Number(c.stop);
        out = this.entries.filter(([, n]) => n >= start && n < stop);
        break;
      }
      case "search": {
        const re = glob(String(c.pattern ?? "*"));
        out = this.entries.filter(([, , input]) => re.test(input));
        if (c.unique) out = out.filter((e, i) => out.findIndex((x) => x[2] === e[2]) === i);
        if (c.n !== undefined && c.n !== null) out = out.slice(-Number(c.n));
        break;
      }
      default:  // "tail"
        out = this.entries.slice(-Number(c.n ?? 10));
    }
    return c.output ? out.map(([s, n, input]) => [s, n, [input, this.outputs.get(n) ?? null]]) : out;
  }
}

// IPython's history search patterns are shell globs
function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "s");
}

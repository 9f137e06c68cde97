// Checkpoints as transformers writes them: single file or shards plus index, the shard split and
// names of save_pretrained, max_shard_size parsing, re-saving into a directory, and loading from a
// directory or through the hub cache.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { convert_file_size_to_int, load_checkpoint, save_checkpoint } from "../../kernel/models/checkpoint.js";
import { load_file, load_metadata } from "../../kernel/models/safetensors.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { expect_bits } from "../helpers/bits.js";
import { fixture } from "../helpers/fixtures.js";
import { start_hub_server, type HubServer } from "../helpers/hub_server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lowbit-checkpoint-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SRC = fixture("models", "tiny-gpt-neox", "model.safetensors");
const fresh = (name: string) => mkdtempSync(path.join(tmp, `${name}-`));

function expect_same(got: Record<string, Tensor>, want: Record<string, Tensor>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) expect_bits(got[name]!, t, name);
}

describe("convert_file_size_to_int", () => {
  it("reads sizes as transformers does: GB = 10^9, GiB = 2^30, a lowercase b counts bits", () => {
    expect(convert_file_size_to_int("5GB")).toBe(5 * 10 ** 9);
    expect(convert_file_size_to_int("200MB")).toBe(200 * 10 ** 6);
    expect(convert_file_size_to_int("10KB")).toBe(10 * 10 ** 3);
    expect(convert_file_size_to_int("1MiB")).toBe(1048576);  // transformers' docstring example
    expect(convert_file_size_to_int("3GiB")).toBe(3 * 2 ** 30);
    expect(convert_file_size_to_int("2kib")).toBe(2 * 2 ** 10);
    expect(convert_file_size_to_int("8Gb")).toBe(10 ** 9);
    expect(convert_file_size_to_int(12345)).toBe(12345);
  });

  it("rejects anything else, saying what is valid", () => {
    for (const bad of ["1.5GB", "5TB", "GB", "five MB", "100"]) {
      expect(() => convert_file_size_to_int(bad), bad).toThrow(/is not in a valid format; use an integer followed by a unit, e\.g\. "5GB"/);
    }
    expect(() => convert_file_size_to_int(-1)).toThrow(/not a positive whole number/);
  });
});

describe("save_checkpoint", () => {
  it("small enough: one model.safetensors, byte for byte what transformers wrote", () => {
    const dir = fresh("single");
    save_checkpoint(dir, load_file(SRC));
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
    expect(Buffer.compare(readFileSync(path.join(dir, "model.safetensors")), readFileSync(SRC))).toBe(0);
  });

  it("shards split and named as save_pretrained does, with its index", () => {
    const f = (n: number) => torch.zeros(n / 4);  // n bytes of float32
    const state = { a: f(400), b: f(400), c: f(400), d: f(1200), e: f(100) };
    const dir = fresh("split");
    save_checkpoint(dir, state, { max_shard_size: 1000 });
    // a+b fit in 1000; c+d would not; d alone is over the limit and still gets a shard; d+e would not fit
    const names = ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors"];
    expect(readdirSync(dir).sort()).toEqual([...names, "model.safetensors.index.json"]);
    const index = JSON.parse(readFileSync(path.join(dir, "model.safetensors.index.json"), "utf8"));
    expect(index).toEqual({
      metadata: { total_size: 2500 },
      weight_map: { a: names[0], b: names[0], c: names[1], d: names[2], e: names[3] },
    });
    for (const n of names) expect(load_metadata(path.join(dir, n))).toEqual({ format: "pt" });
    expect(Object.keys(load_file(path.join(dir, names[0]!))).sort()).toEqual(["a", "b"]);
  });

  it("the index text is what Python's json.dumps(indent=2, sort_keys=True) writes", () => {
    const dir = fresh("json");
    save_checkpoint(dir, { "layers.10.w": torch.zeros(300), "layers.2.w": torch.zeros(300), "0": torch.zeros(300), "é": torch.zeros(300) }, { max_shard_size: "1KB" });
    const file = path.join(dir, "model.safetensors.index.json");
    const py = spawnSync("/usr/bin/python3", ["-c", "import json,sys; sys.stdout.write(json.dumps(json.load(open(sys.argv[1])), indent=2, sort_keys=True) + '\\n')", file], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(py.stdout);
  });

  it("tensors sharing storage go to the shard of the first, counted once", () => {
    const w = torch.ones(250);
    const dir = fresh("tied");
    save_checkpoint(dir, { a: torch.ones(250), w, x: torch.ones(250), tied: w.view(250) }, { max_shard_size: 2000 });
    const index = JSON.parse(readFileSync(path.join(dir, "model.safetensors.index.json"), "utf8"));
    expect(index.metadata.total_size).toBe(3000);
    expect(index.weight_map.tied).toBe(index.weight_map.w);
  });

  it("re-saving removes the previous save's stale files and keeps the user's own", () => {
    const dir = fresh("resave");
    const state = load_file(SRC);
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    writeFileSync(path.join(dir, "model-card.md"), "mine");
    save_checkpoint(dir, state, { max_shard_size: "100KB" });
    const many = readdirSync(dir).filter((n) => n.endsWith(".safetensors"));
    expect(many.length).toBeGreaterThan(3);
    save_checkpoint(dir, state, { max_shard_size: "400KB" });
    expect(readdirSync(dir).sort()).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model-card.md", "model.safetensors.index.json", "notes.txt"]);
    save_checkpoint(dir, state);
    expect(readdirSync(dir).sort()).toEqual(["model-card.md", "model.safetensors", "notes.txt"]);
    save_checkpoint(dir, state, { max_shard_size: "400KB" });
    expect(readdirSync(dir)).not.toContain("model.safetensors");
    expect(readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses a file as the directory and a bad max_shard_size before writing anything", () => {
    const file = path.join(fresh("file"), "x");
    writeFileSync(file, "");
    expect(() => save_checkpoint(file, { a: torch.ones(1) })).toThrow(/should be a directory, not a file/);
    const dir = fresh("badsize");
    expect(() => save_checkpoint(dir, { a: torch.ones(1) }, { max_shard_size: "lots" })).toThrow(/'lots' is not in a valid format/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("load_checkpoint from a directory", () => {
  it("sharded round trip gives identical tensors, with a bar over the shards", async () => {
    const state = load_file(SRC);
    const dir = fresh("roundtrip");
    save_checkpoint(dir, state, { max_shard_size: "200KB" });
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof write;
    let got: Record<string, Tensor>;
    try {
      got = await load_checkpoint(dir);
    } finally {
      process.stderr.write = write;
    }
    expect_same(got, state);
    expect(lines.join("")).toMatch(/Loading checkpoint shards: .*1\/1 \[/);
  });

  it("converts to the requested dtype", async () => {
    const dir = fresh("dtype");
    save_checkpoint(dir, load_file(SRC), { max_shard_size: "200KB" });
    const got = await load_checkpoint(dir, { dtype: torch.bfloat16, progress: false });
    const want = Object.fromEntries(Object.entries(load_file(SRC)).map(([k, t]) => [k, t.to(torch.bfloat16)]));
    expect_same(got, want);
  });

  it("a missing shard is named with the index that lists it", async () => {
    const dir = fresh("missing");
    save_checkpoint(dir, load_file(SRC), { max_shard_size: "200KB" });
    rmSync(path.join(dir, "model-00002-of-00004.safetensors"));
    await expect(load_checkpoint(dir, { progress: false })).rejects.toThrow(/shard model-00002-of-00004\.safetensors, listed in .*model\.safetensors\.index\.json, is missing/);
  });

  it("an index that is not JSON, or places a tensor in a shard without it", async () => {
    const dir = fresh("badindex");
    save_checkpoint(dir, { a: torch.ones(300), b: torch.ones(300) }, { max_shard_size: 1000 });
    const index = path.join(dir, "model.safetensors.index.json");
    const good = JSON.parse(readFileSync(index, "utf8"));
    writeFileSync(index, JSON.stringify({ ...good, weight_map: { ...good.weight_map, c: good.weight_map.a } }));
    await expect(load_checkpoint(dir, { progress: false })).rejects.toThrow(/places tensor 'c' in model-00001-of-00002\.safetensors, but that shard does not hold it/);
    writeFileSync(index, "{ nope");
    await expect(load_checkpoint(dir)).rejects.toThrow(/model\.safetensors\.index\.json: not a valid checkpoint index/);
    writeFileSync(index, JSON.stringify({ weight_map: { a: "../../etc/passwd" } }));
    await expect(load_checkpoint(dir)).rejects.toThrow(/shard '\.\.\/\.\.\/etc\/passwd' is not a file of the checkpoint/);
  });

  it("a directory without weights says what it looked for", async () => {
    await expect(load_checkpoint(fresh("empty"))).rejects.toThrow(/has neither model\.safetensors nor model\.safetensors\.index\.json; lowbit reads safetensors checkpoints only/);
  });
});

describe("load_checkpoint from the hub", () => {
  let server: HubServer;
  let served: string;
  const saved = { HF_HOME: process.env.HF_HOME, HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_DISABLE_PROGRESS_BARS: process.env.HF_HUB_DISABLE_PROGRESS_BARS };
  beforeAll(async () => {
    served = fresh("served");
    save_checkpoint(served, load_file(SRC), { max_shard_size: "200KB" });
    server = await start_hub_server({ "lowbit-test/sharded": { dir: served } });
    process.env.HF_HOME = fresh("hf-home");
    process.env.HF_ENDPOINT = server.url;
    process.env.HF_HUB_DISABLE_PROGRESS_BARS = "1";
  });
  afterAll(async () => {
    await server.close();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  afterEach(() => void (server.requests.length = 0));

  it("downloads the index and every shard once, then loads from the cache", async () => {
    expect_same(await load_checkpoint("lowbit-test/sharded", { progress: false }), load_file(SRC));
    expect(server.count("GET", "/cdn/")).toBe(4);
    expect(server.count("GET", "model.safetensors.index.json")).toBe(1);
    server.requests.length = 0;
    expect_same(await load_checkpoint("lowbit-test/sharded", { progress: false }), load_file(SRC));
    expect(server.count("GET")).toBe(0);
  });

  it("a shard missing from the repository is named with the index", async () => {
    const dir = fresh("served-broken");
    cpSync(served, dir, { recursive: true });
    rmSync(path.join(dir, "model-00003-of-00004.safetensors"));
    const broken = await start_hub_server({ "lowbit-test/broken": { dir } });
    process.env.HF_ENDPOINT = broken.url;
    try {
      await expect(load_checkpoint("lowbit-test/broken", { progress: false })).rejects.toThrow(
        /lowbit-test\/broken: shard model-00003-of-00004\.safetensors, listed in .*model\.safetensors\.index\.json, is missing \(lowbit-test\/broken has no file named model-00003-of-00004\.safetensors/,
      );
    } finally {
      process.env.HF_ENDPOINT = server.url;
      await broken.close();
    }
  });
});

// The hub cache against a local stand-in for the hub: the layout huggingface_hub writes (and reads),
// cache reuse, offline mode, resuming a cut download, tokens, and the hub's error answers.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cached_file, try_cached_file } from "../../kernel/models/hub/index.js";
import { fixture } from "../helpers/fixtures.js";
import { git_blob_sha1, sha256, start_hub_server, type HubServer } from "../helpers/hub_server.js";

const REPO = "lowbit-test/tiny-gpt-neox";
const SRC = fixture("models", "tiny-gpt-neox");
const ENV = ["HF_HOME", "HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let server: HubServer;
let home: string;
let storage: string;
let commit: string;

beforeAll(async () => {
  server = await start_hub_server({
    [REPO]: { dir: SRC, tags: ["v1.0"] },
    "lowbit-test/private": { dir: SRC, private: true },
    "lowbit-test/gated": { dir: SRC, gated: true },
    "lowbit-test/old-name": { moved_to: REPO },
  });
  commit = server.commit(REPO);
});
afterAll(() => server.close());

beforeEach(() => {
  for (const k of ENV) delete process.env[k];
  home = mkdtempSync(path.join(os.tmpdir(), "lowbit-hf-home-"));
  process.env.HF_HOME = home;
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_DISABLE_PROGRESS_BARS = "1";
  storage = path.join(home, "hub", "models--lowbit-test--tiny-gpt-neox");
  server.requests.length = 0;
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
});

const bytes = (file: string) => readFileSync(path.join(SRC, file));
const safetensors_etag = () => sha256(bytes("model.safetensors"));
const config_etag = () => git_blob_sha1(bytes("config.json"));

describe("first download", () => {
  it("lays out blobs, snapshots and refs as huggingface_hub does", async () => {
    process.env.HF_TOKEN = server.token;
    const config = await cached_file(REPO, "config.json");
    const weights = await cached_file(REPO, "model.safetensors");
    expect(config).toBe(path.join(storage, "snapshots", commit, "config.json"));
    expect(weights).toBe(path.join(storage, "snapshots", commit, "model.safetensors"));
    expect(lstatSync(config).isSymbolicLink()).toBe(true);
    expect(readlinkSync(config)).toBe(`../../blobs/${config_etag()}`);
    expect(readlinkSync(weights)).toBe(`../../blobs/${safetensors_etag()}`);
    expect(readdirSync(path.join(storage, "blobs")).sort()).toEqual([config_etag(), safetensors_etag()].sort());
    expect(Buffer.compare(readFileSync(weights), bytes("model.safetensors"))).toBe(0);
    expect(Buffer.compare(readFileSync(config), bytes("config.json"))).toBe(0);
    expect(readFileSync(path.join(storage, "refs", "main"), "utf8")).toBe(commit);
    expect(readdirSync(storage).sort()).toEqual(["blobs", "refs", "snapshots"]);
    // the token goes to the hub, never to the CDN
    const resolve = server.requests.filter((r) => r.url.includes("/resolve/"));
    const cdn = server.requests.filter((r) => r.url.startsWith("/cdn/"));
    expect(resolve.every((r) => r.headers.authorization === `Bearer ${server.token}`)).toBe(true);
    expect(cdn.length).toBe(1);
    expect(cdn[0]!.headers.authorization).toBeUndefined();
  });

  it("a second load downloads nothing; a tag of the same commit adds only its ref", async () => {
    await cached_file(REPO, "model.safetensors");
    const gets = server.count("GET");
    const again = await cached_file(REPO, "model.safetensors");
    const tagged = await cached_file(REPO, "model.safetensors", { revision: "v1.0" });
    expect(server.count("GET")).toBe(gets);
    expect(tagged).toBe(again);
    expect(readFileSync(path.join(storage, "refs", "v1.0"), "utf8")).toBe(commit);
  });

  it("a commit hash already cached needs no request at all", async () => {
    await cached_file(REPO, "config.json");
    const n = server.requests.length;
    expect(await cached_file(REPO, "config.json", { revision: commit })).toBe(path.join(storage, "snapshots", commit, "config.json"));
    expect(server.requests.length).toBe(n);
  });

  it("a renamed repository: the hub's relative redirect is followed, the cache keeps the name asked for", async () => {
    const p = await cached_file("lowbit-test/old-name", "config.json");
    expect(p).toBe(path.join(home, "hub", "models--lowbit-test--old-name", "snapshots", commit, "config.json"));
    expect(Buffer.compare(readFileSync(p), bytes("config.json"))).toBe(0);
  });

  it("shows a progress bar over the bytes", async () => {
    delete process.env.HF_HUB_DISABLE_PROGRESS_BARS;
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof write;
    try {
      await cached_file(REPO, "model.safetensors");
    } finally {
      process.stderr.write = write;
    }
    const mb = Math.ceil(bytes("model.safetensors").length / 1e6);
    expect(lines.join("")).toMatch(new RegExp(`Downloading model\\.safetensors: .*${mb}/${mb} \\[`));
  });

  it("concurrent requests for one file download it once; force_download downloads again", async () => {
    await Promise.all([cached_file(REPO, "model.safetensors"), cached_file(REPO, "model.safetensors")]);
    expect(server.count("GET", "/cdn/")).toBe(1);
    await cached_file(REPO, "model.safetensors", { force_download: true });
    expect(server.count("GET", "/cdn/")).toBe(2);
  });
});

describe("a cache written by Python", () => {
  // what huggingface_hub leaves after hf_hub_download(REPO, "config.json"), made by hand here
  function python_cache(): string {
    mkdirSync(path.join(storage, "blobs"), { recursive: true });
    mkdirSync(path.join(storage, "snapshots", commit), { recursive: true });
    mkdirSync(path.join(storage, "refs"), { recursive: true });
    writeFileSync(path.join(storage, "blobs", config_etag()), bytes("config.json"));
    symlinkSync(`../../blobs/${config_etag()}`, path.join(storage, "snapshots", commit, "config.json"));
    writeFileSync(path.join(storage, "refs", "main"), commit);
    return path.join(storage, "snapshots", commit, "config.json");
  }

  it("is reused without downloading", async () => {
    const pointer = python_cache();
    expect(await cached_file(REPO, "config.json")).toBe(pointer);
    expect(server.count("GET")).toBe(0);
  });

  it("serves offline (HF_HUB_OFFLINE=1, or local_files_only) without any request", async () => {
    const pointer = python_cache();
    process.env.HF_HUB_OFFLINE = "1";
    expect(await cached_file(REPO, "config.json")).toBe(pointer);
    delete process.env.HF_HUB_OFFLINE;
    expect(await cached_file(REPO, "config.json", { local_files_only: true })).toBe(pointer);
    expect(server.requests.length).toBe(0);
  });
});

describe("offline and without network", () => {
  it("offline, a file not cached is an error saying where it looked and what to do", async () => {
    process.env.HF_HUB_OFFLINE = "1";
    await expect(cached_file(REPO, "config.json")).rejects.toThrow(
      `${REPO}/config.json (revision main) is not in the cache at ${path.join(home, "hub")}; run once online or unset HF_HUB_OFFLINE`,
    );
    await expect(try_cached_file(REPO, "config.json")).rejects.toThrow(/is not in the cache/);
    process.env.HF_HUB_OFFLINE = "0";
    await expect(cached_file(REPO, "config.json", { local_files_only: true })).rejects.toThrow(/run once without local_files_only/);
    expect(server.requests.length).toBe(0);
  });

  it("offline, a revision cached without an optional file gives null for it", async () => {
    await cached_file(REPO, "config.json");
    process.env.HF_HUB_OFFLINE = "1";
    expect(await try_cached_file(REPO, "generation_config.json")).toBeNull();
    await expect(cached_file(REPO, "generation_config.json")).rejects.toThrow(/not in the cache/);
  });

  it("when the hub cannot be reached, the cache answers; if it cannot, the error says so", async () => {
    const pointer = await cached_file(REPO, "config.json");
    const down = await start_hub_server({});
    await down.close();
    process.env.HF_ENDPOINT = down.url;
    expect(await cached_file(REPO, "config.json")).toBe(pointer);
    await expect(cached_file(REPO, "model.safetensors")).rejects.toThrow(/is not in the cache at .*; and http:\/\/127\.0\.0\.1:\d+ could not be reached \(.*ECONNREFUSED/);
  });
});

describe("resuming", () => {
  it("a connection cut midway is resumed with a Range request", async () => {
    server.cut_next("/cdn/", 100_000);
    const weights = await cached_file(REPO, "model.safetensors");
    expect(Buffer.compare(readFileSync(weights), bytes("model.safetensors"))).toBe(0);
    const gets = server.requests.filter((r) => r.method === "GET" && r.url.startsWith("/cdn/"));
    expect(gets.map((r) => r.headers.range)).toEqual([undefined, "bytes=100000-"]);
    expect(gets[0]!.status).toBe(-1);
    expect(readdirSync(path.join(storage, "blobs"))).toEqual([safetensors_etag()]);
  });

  it("an .incomplete left by an earlier run is continued, not restarted", async () => {
    const blob = path.join(storage, "blobs", safetensors_etag());
    mkdirSync(path.dirname(blob), { recursive: true });
    writeFileSync(`${blob}.incomplete`, bytes("model.safetensors").subarray(0, 123_456));
    const weights = await cached_file(REPO, "model.safetensors");
    expect(Buffer.compare(readFileSync(weights), bytes("model.safetensors"))).toBe(0);
    expect(server.requests.filter((r) => r.method === "GET").map((r) => r.headers.range)).toEqual(["bytes=123456-"]);
    expect(existsSync(`${blob}.incomplete`)).toBe(false);
  });
});

describe("tokens and the hub's errors", () => {
  it("a private repository without a token: 401, 'repository not found', naming HF_TOKEN", async () => {
    await expect(cached_file("lowbit-test/private", "config.json")).rejects.toThrow(/lowbit-test\/private: repository not found .*HTTP 401.*no token was sent: set HF_TOKEN/);
    expect(server.count("GET")).toBe(0);
  });

  it("the token comes from the option, HF_TOKEN, or $HF_HOME/token", async () => {
    const pointer = await cached_file("lowbit-test/private", "config.json", { token: server.token });
    expect(readFileSync(pointer, "utf8")).toBe(bytes("config.json").toString());
    rmSync(path.join(home, "hub"), { recursive: true });
    process.env.HF_TOKEN = server.token;
    await cached_file("lowbit-test/private", "config.json");
    rmSync(path.join(home, "hub"), { recursive: true });
    delete process.env.HF_TOKEN;
    writeFileSync(path.join(home, "token"), `${server.token}\n`);
    await cached_file("lowbit-test/private", "config.json");
    await expect(cached_file("lowbit-test/private", "config.json", { token: false, force_download: true })).rejects.toThrow(/repository not found/);
  });

  it("a wrong token is named as refused", async () => {
    await expect(cached_file("lowbit-test/private", "config.json", { token: "hf_wrong" })).rejects.toThrow(/repository not found .*HTTP 404.*the token sent was refused/);
  });

  it("a gated repository: 401/403 with a message about access and HF_TOKEN", async () => {
    await expect(cached_file("lowbit-test/gated", "config.json")).rejects.toThrow(/lowbit-test\/gated is gated or private and no token was sent .*HTTP 401.*request access at .*set HF_TOKEN/);
    await expect(cached_file("lowbit-test/gated", "config.json", { token: "hf_wrong" })).rejects.toThrow(/gated or private and the token sent may not read it \(HTTP 403/);
  });

  it("an unknown repository: 'repository not found'", async () => {
    await expect(cached_file("nobody/nothing", "config.json", { token: server.token })).rejects.toThrow(/nobody\/nothing: repository not found on http.*HTTP 404: Repository not found/);
    await expect(try_cached_file("nobody/nothing", "config.json")).rejects.toThrow(/repository not found/);
  });

  it("an unknown revision", async () => {
    await expect(cached_file(REPO, "config.json", { revision: "v9" })).rejects.toThrow(/v9 is not a branch, tag or commit of lowbit-test\/tiny-gpt-neox/);
  });

  it("a missing optional file: null, and the absence cached in .no_exist as huggingface_hub does", async () => {
    expect(await try_cached_file(REPO, "tokenizer.json")).toBeNull();
    expect(existsSync(path.join(storage, ".no_exist", commit, "tokenizer.json"))).toBe(true);
    expect(readFileSync(path.join(storage, "refs", "main"), "utf8")).toBe(commit);
    await expect(cached_file(REPO, "tokenizer.json")).rejects.toThrow(/lowbit-test\/tiny-gpt-neox has no file named tokenizer\.json at revision main/);
    const n = server.requests.length;
    expect(await try_cached_file(REPO, "tokenizer.json", { revision: commit })).toBeNull();
    process.env.HF_HUB_OFFLINE = "1";
    expect(await try_cached_file(REPO, "tokenizer.json")).toBeNull();
    expect(server.requests.length).toBe(n);
  });
});

describe("local directories and ids", () => {
  it("a directory is used as it is", async () => {
    expect(await cached_file(SRC, "config.json")).toBe(path.join(SRC, "config.json"));
    expect(await try_cached_file(SRC, "tokenizer.json")).toBeNull();
    await expect(cached_file(SRC, "tokenizer.json")).rejects.toThrow(`${SRC} has no file named tokenizer.json`);
  });

  it("neither a directory nor a hub id", async () => {
    await expect(cached_file("./no/such/dir", "config.json")).rejects.toThrow("./no/such/dir: no such directory");
    await expect(cached_file("a/b/c", "config.json")).rejects.toThrow(/neither a local directory nor a Hugging Face hub id/);
    await expect(cached_file(path.join(SRC, "config.json"), "x")).rejects.toThrow(/is not a directory/);
    expect(server.requests.length).toBe(0);
  });
});

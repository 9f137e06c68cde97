"""The PyTorch side of `npm run bench:model`: a plain-torch GPT-NeoX forward (no transformers).

It reads the same config.json and model.safetensors that lowbit loads, so both sides run the same
weights, and answers JSON lines from bench/model_peer.ts: {"op": "load", "dir", "dtype"} then
{"op": "generate", "input_ids", "max_new_tokens"} (greedy with a KV cache, timed per phase).
Started with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set by the caller, as bench/torch_peer.py is.
"""
import json
import math
import struct
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # reported by model_peer.ts with the install command
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    sys.exit(2)

from torch_peer import peer_info  # noqa: E402 (after the import check above)

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_safetensors(path, dtype):
    """safetensors parsed by hand: the Python `safetensors` package is not in Debian."""
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        base = 8 + n
        for name, info in header.items():
            start, end = info["data_offsets"]
            f.seek(base + start)
            raw = bytearray(f.read(end - start))
            t = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
            out[name] = t.to(dtype)
    return out


class GPTNeoX:
    def __init__(self, ckpt, cfg, dtype):
        self.w = read_safetensors(f"{ckpt}/model.safetensors", dtype)
        self.cfg = cfg
        self.dtype = dtype
        h = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.head_dim = h // self.heads
        self.rot = int(self.head_dim * cfg["rotary_pct"])
        base = cfg.get("rotary_emb_base", 10000)
        self.inv_freq = 1.0 / (base ** (torch.arange(0, self.rot, 2).float() / self.rot))
        self.eps = cfg["layer_norm_eps"]

    def rotary(self, x, pos):
        # rotate_half over the first `rot` dims of each head, in float32 as transformers does
        freqs = torch.outer(pos.float(), self.inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        r, rest = x[..., : self.rot], x[..., self.rot :]
        half = self.rot // 2
        rotated = torch.cat([-r[..., half:], r[..., :half]], dim=-1)
        return torch.cat([r * cos + rotated * sin, rest], dim=-1)

    def forward(self, ids, cache):
        w, H = self.w, self.cfg["hidden_size"]
        T = ids.shape[0]
        past = cache[0][0].shape[1] if cache else 0
        pos = torch.arange(past, past + T)
        x = w["gpt_neox.embed_in.weight"][ids]
        mask = torch.full((T, past + T), float("-inf"), dtype=self.dtype).triu(past + 1)
        new_cache = []
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"gpt_neox.layers.{i}."
            a = F.layer_norm(x, (H,), w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], self.eps)
            qkv = F.linear(a, w[p + "attention.query_key_value.weight"], w[p + "attention.query_key_value.bias"])
            qkv = qkv.view(T, self.heads, 3, self.head_dim).transpose(0, 1)
            q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
            q, k = self.rotary(q, pos), self.rotary(k, pos)
            if cache:
                k = torch.cat([cache[i][0], k], dim=1)
                v = torch.cat([cache[i][1], v], dim=1)
            new_cache.append((k, v))
            scores = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(self.head_dim) + mask
            o = torch.matmul(torch.softmax(scores.float(), dim=-1).to(self.dtype), v)
            o = F.linear(o.transpose(0, 1).reshape(T, H), w[p + "attention.dense.weight"], w[p + "attention.dense.bias"])
            m = F.layer_norm(x, (H,), w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], self.eps)
            m = F.gelu(F.linear(m, w[p + "mlp.dense_h_to_4h.weight"], w[p + "mlp.dense_h_to_4h.bias"]))
            m = F.linear(m, w[p + "mlp.dense_4h_to_h.weight"], w[p + "mlp.dense_4h_to_h.bias"])
            x = x + o + m
        x = F.layer_norm(x[-1:], (H,), w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"], self.eps)
        return F.linear(x, w["embed_out.weight"]), new_cache

    def generate(self, input_ids, max_new_tokens):
        ids = torch.tensor(input_ids)
        t0 = time.perf_counter()
        logits, cache = self.forward(ids, None)
        t1 = time.perf_counter()
        out = [int(logits[-1].argmax())]
        for _ in range(max_new_tokens - 1):
            logits, cache = self.forward(torch.tensor(out[-1:]), cache)
            out.append(int(logits[-1].argmax()))
        t2 = time.perf_counter()
        return {"prefill_s": t1 - t0, "decode_s": t2 - t1, "decode_tokens": max_new_tokens - 1, "new_tokens": out}


def main():
    torch.set_num_threads(int(sys.argv[1]))
    model = None
    with torch.inference_mode():
        for line in sys.stdin:
            req = json.loads(line)
            if req["op"] == "info":
                reply = peer_info()
            elif req["op"] == "load":
                with open(f"{req['dir']}/config.json") as f:
                    cfg = json.load(f)
                model = None  # free the previous dtype's weights before reading the next
                model = GPTNeoX(req["dir"], cfg, {"float32": torch.float32, "bfloat16": torch.bfloat16}[req["dtype"]])
                reply = {"ok": True}
            elif req["op"] == "generate":
                reply = model.generate(req["input_ids"], req["max_new_tokens"])
            else:
                reply = {"error": f"unknown op {req['op']}"}
            print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()

"""The PyTorch side of `npm run bench:quantize`: a JSON-lines server driven by bench/peer.ts.

It quantizes the same float16 weights as lowbit (torch's generator, seed 0) with the formulas of
bitsandbytes' pure-PyTorch "default" backend (backends/default/ops.py: NF4 by argmin over the
16 codes, the double-quantized absmax by argmin over the 256 of the dynamic map, LLM.int8()'s
row-wise CB/SCB) and GPTQ's round-to-nearest int4 grid, in torch ops. Started once per thread
count with the BLAS thread variables already set by the caller.
"""
import json
import sys
import time

try:
    import torch
except ImportError as e:  # reported by peer.ts with the install command
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    sys.exit(2)

from torch_peer import peer_info  # noqa: E402 (after the import check above)

NF4 = torch.tensor([
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0])


def blockwise(a, blocksize, code):
    """codes (argmin over the code table) and float32 absmax per block; the length is a multiple of blocksize"""
    blocks = a.float().reshape(-1, blocksize)
    absmax = blocks.abs().amax(1)
    scaled = torch.clamp(blocks * (1 / absmax[:, None]), -1, 1)
    return torch.argmin(torch.abs(scaled.reshape(-1, 1) - code), dim=-1).to(torch.uint8), absmax


def nf4_double_quant(w, dynamic):
    q, absmax = blockwise(w, 64, NF4)
    packed = q[::2] << 4 | q[1::2]
    offset = absmax.mean()
    a = absmax - offset
    pad = -a.numel() % 256
    qa, nested = blockwise(torch.nn.functional.pad(a, (0, pad)), 256, dynamic)
    return packed, qa[:a.numel()], nested, offset


def int8_cb_scb(w):
    scb = w.abs().amax(1).float()
    return torch.round(w * (127.0 / scb[:, None])).to(torch.int8), scb


def rtn4(w, group=128):
    wg = w.float().reshape(w.shape[0], -1, group)
    lo = wg.amin(2).clamp(max=0)
    hi = wg.amax(2).clamp(min=0)
    s = torch.where(hi == lo, torch.ones_like(hi), (hi - lo) / 15)
    z = torch.round(-lo / s).clamp(max=15)
    q = (torch.round(wg / s[..., None]) + z[..., None]).clamp(0, 15).to(torch.uint8).reshape(w.shape[0], -1)
    return q[:, ::2] | q[:, 1::2] << 4, s, z


METHODS = {"nf4": nf4_double_quant, "int8": lambda w, _: int8_cb_scb(w), "rtn4": lambda w, _: rtn4(w)}


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    weights, dynamic = None, None
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "info":
                reply = peer_info()
            elif req["op"] == "weights":
                torch.manual_seed(0)
                weights = [(torch.randn(n, k) * 0.02).half() for n, k in req["shapes"]]
                dynamic = torch.tensor(req["dynamic"], dtype=torch.float32)
                reply = {}
            elif req["op"] == "checksum":  # the first weight's codes and statistics, summed
                out = METHODS[req["method"]](weights[0], dynamic)
                reply = {"sums": [float(t.double().sum()) for t in out]}
            else:  # run: the whole set `layers` times over, seconds per round
                f = METHODS[req["method"]]
                times = []
                for _ in range(req["rounds"]):
                    t0 = time.perf_counter()
                    for _ in range(req["layers"]):
                        for w in weights:
                            f(w, dynamic)
                    times.append(time.perf_counter() - t0)
                reply = {"times": times}
        except Exception as e:  # reported by peer.ts
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()

"""An independent reference for lowbit's HQQ: hqq's Quantizer.quantize / optimize_weights_proximal_legacy /
BitPack / Quantizer.dequantize (mobiusml/hqq, hqq/core/{quantize,optimize,bitpack}.py) restated with
torch's float32 CPU ops, formula by formula, as hqq runs them on a CPU device.

Reads JSON from stdin: {"numerics": "torch" | "exact", "cases": [{"name", "shape", "data" (base64 float32 LE), "nbits", "group_size"
(int or null), "axis", "optimize", "round_zero", "seed" (optional: then data must equal
torch.manual_seed(seed); torch.randn(shape))}]} and writes JSON with, per case, the codes of the 2-D
view, the packed bytes, scale, zero, the dequantized weight in float32 and in float16 (HQQLinear's
compute_dtype path: scale/zero cast to float16 first), plain round-to-nearest's mean |error|, the
solver's, and the number of solver rounds. Tensors go back as base64 of their little-endian bytes.

numerics "torch" is hqq's arithmetic exactly as torch runs it. "exact" swaps two primitives whose last
bits torch leaves to its build: the float32 means (torch sums float32 in a cascade whose order follows
the SIMD width) become an exact float64 sum rounded to float32 and then divided, and |x|^(p-1) is
computed in float64 (with the float32 exponent torch's vectorised pow uses) and rounded once; every
other operation stays torch's float32 op.
"""
import base64
import json
import sys

import numpy as np
import torch


def b64(t):
    return base64.b64encode(t.contiguous().numpy().tobytes()).decode()


EXACT = False


def pow_(x, p):
    return torch.pow(x.double(), float(np.float32(p))).float() if EXACT else torch.pow(x, p)


def mean(x, axis=None):
    if not EXACT:
        return x.mean() if axis is None else torch.mean(x, axis=axis, keepdim=True)
    if axis is None:
        return x.double().sum().float() / x.numel()
    return x.double().sum(axis=axis, keepdim=True).float() / x.shape[axis]


def shrink_lp_op(x, beta, lp_norm):
    return torch.sign(x) * torch.nn.functional.relu(torch.abs(x) - (1.0 / beta) * pow_(torch.abs(x), lp_norm - 1))


def optimize_weights_proximal_legacy(tensor, scale, zero, min_max, axis):
    lp_norm, beta, kappa, iters = 0.7, 1e1, 1.01, 20
    W_f, scale, zero = tensor.float(), scale.float(), zero.float()
    best_error = 1e4
    rounds = 0
    for i in range(iters):
        rounds += 1
        W_q = torch.round(W_f * scale + zero).clamp(min_max[0], min_max[1])
        W_r = (W_q - zero) / scale
        W_e = shrink_lp_op(W_f - W_r, beta, lp_norm)
        zero = mean(W_q - (W_f - W_e) * scale, axis)
        beta *= kappa
        current_error = float(mean(torch.abs(W_f - W_r)))
        if current_error < best_error:
            best_error = current_error
        else:
            break
    W_q = torch.round(tensor * scale + zero).clamp(min_max[0], min_max[1])
    return W_q, scale, zero, rounds


def pack(W_q, nbits):
    """hqq's BitPack for the packing of nbits; rows zero-padded to a multiple of the slice count
    (hqq pads that way for 3 bits only; its 4/2/1-bit packers need a multiple already)."""
    nbits = {6: 8, 5: 8, 1.58: 2}.get(nbits, nbits)  # hqq stores these in the 8-/2-bit packings
    per, dtype = {8: (1, torch.uint8), 4: (2, torch.uint8), 3: (10, torch.int32), 2: (4, torch.uint8), 1: (8, torch.uint8)}[nbits]
    rows = -(-W_q.shape[0] // per) * per
    padded = torch.zeros([rows, W_q.shape[1]], dtype=dtype)
    padded[: W_q.shape[0]] = W_q.to(dtype)
    step = rows // per
    out = torch.zeros([step, W_q.shape[1]], dtype=dtype)
    for i in range(per):
        out = out | (padded[i * step:(i + 1) * step] << ((per - 1 - i) * nbits))
    return out


def quantize(W_in, nbits, group_size, axis, optimize, round_zero):
    W = W_in.float()
    shape = W.shape
    if group_size is not None:
        W = W.reshape([-1, group_size]) if axis == 1 else W.reshape([group_size, -1])
    _min = W.min(axis=axis, keepdim=True)[0]
    _max = W.max(axis=axis, keepdim=True)[0]
    max_v = round(2 ** nbits - 1)
    min_max = [0, max_v]
    denom = _max - _min
    scale = max_v / denom
    scale = torch.where(denom.abs() <= 1e-4, torch.full_like(scale, 1.0), scale)
    scale = scale.clamp(max=2e4)
    zero = -_min * scale
    if round_zero:
        zero = torch.round(zero)
    rtn = torch.round(W * scale + zero).clamp(min_max[0], min_max[1])
    rtn_error = float(torch.abs((rtn - zero) / scale - W).mean())
    rounds = 0
    if optimize:
        W_q, scale, zero, rounds = optimize_weights_proximal_legacy(W, scale, zero, min_max, axis)
    else:
        W_q = rtn
    inv = 1.0 / scale
    deq32 = ((W_q - zero) * inv).reshape(shape)
    deq16 = ((W_q.half() - zero.half()) * inv.half()).reshape(shape)
    return {
        "codes": b64(W_q.to(torch.uint8)),
        "view": list(W_q.shape),
        "packed": b64(pack(W_q, nbits)),
        "scale": b64(inv),
        "zero": b64(zero),
        "param_shape": list(zero.shape),
        "deq32": b64(deq32),
        "deq16": b64(deq16.view(torch.int16)),
        "rtn_error": rtn_error,
        "error": float(torch.abs(deq32 - W_in).mean()),
        "rounds": rounds,
    }


def main():
    torch.set_num_threads(1)
    global EXACT
    req = json.load(sys.stdin)
    EXACT = req["numerics"] == "exact"
    out = {}
    for c in req["cases"]:
        W = torch.from_numpy(np.frombuffer(base64.b64decode(c["data"]), dtype="<f4").copy()).reshape(c["shape"])
        if c.get("seed") is not None:
            torch.manual_seed(c["seed"])
            if not torch.equal(torch.randn(c["shape"]), W):
                raise SystemExit(f"case {c['name']}: the weight is not torch.randn's for seed {c['seed']}")
        out[c["name"]] = quantize(W, c["nbits"], c["group_size"], c["axis"], c["optimize"], c["round_zero"])
    json.dump(out, sys.stdout)


main()

"""The PyTorch side of `npm run bench`: a JSON-lines server driven by bench/peer.ts.

It is started once per thread count, with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS already set
by the caller: torch.set_num_threads() alone does not reach OpenBLAS, which would otherwise use
every core for a "1 thread" figure. Each request is one line of JSON; each reply is one line.
"""
import ctypes
import json
import os
import subprocess
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # reported by peer.ts with the install command
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    sys.exit(2)


def blas_libraries():
    """The BLAS shared objects this process really mapped (Debian picks one via alternatives)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()}
    return sorted({os.path.realpath(p) for p in paths if p.startswith("/")})


def blas_info():
    libs = blas_libraries()
    info = {"libraries": libs, "openblas": None, "threads": None}
    for path in libs:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_config"):
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas"] = lib.openblas_get_config().decode()
            info["threads"] = lib.openblas_get_num_threads()
            break
    return info


def debian_package():
    """torch.__version__ of Debian's build says 1.13.0a0; the package version is the useful one."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-torch"], capture_output=True, text=True)
        return out.stdout.strip() or None
    except OSError:
        return None


def peer_info():
    """What bench/peer.ts reports as PeerInfo: versions, threads and the BLAS really loaded."""
    return {
        "torch": torch.__version__,
        "package": debian_package(),
        "python": sys.version.split()[0],
        "torch_threads": torch.get_num_threads(),
        "blas": blas_info(),
    }


def make_inputs(threads):
    torch.set_num_threads(threads)
    # same seeds and draw order as bench/cases.ts: lowbit's generator reproduces torch's numbers
    torch.manual_seed(0)
    w = torch.randn(4096, 4096)
    x = torch.randn(4096)
    torch.manual_seed(1)
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    wb, x1 = w.bfloat16(), x.unsqueeze(0)
    x1b = x1.bfloat16()
    return {
        "gemm": lambda: torch.mm(a, b),
        "mv": lambda: torch.mv(w, x),
        "linear": lambda: F.linear(x1, w),
        "linear_bf16": lambda: F.linear(x1b, wb),
    }


def main():
    threads = int(sys.argv[1])
    cases = make_inputs(threads)
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "info":
            reply = peer_info()
        elif op == "checksum":
            y = cases[req["case"]]().float()
            reply = {"checksum": y.abs().sum().item()}
        elif op == "run":
            fn, times = cases[req["case"]], []
            for _ in range(req["reps"]):
                t0 = time.perf_counter_ns()
                fn()
                times.append((time.perf_counter_ns() - t0) * 1e-9)
            reply = {"times": times}
        else:
            reply = {"error": f"unknown op {op!r}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()

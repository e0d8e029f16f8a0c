"""nntrain against PyTorch step by step (run by tests/bench/run before the benchmark).

For W2 and W3, on the first 676 training images (ten batches of 64 and a short one of 36, in
file order): nntrain trains on the first k batches for k = 0..11, which gives its weights after
every step; PyTorch takes each step from nntrain's weights before it, on the same batch, with
the same SGD. Prints, per tensor, the largest difference between the two sides' weights after a
step relative to the largest change the step made, and exits 1 when any exceeds 1e-3: float
rounding alone gives about 1e-6, a wrong gradient far more.

Each step starts from the same weights on both sides because separate runs do not stay
together: where two inputs of a max-pooling window are within rounding of each other, the two
sides can route that window's gradient to different inputs, and later steps amplify the
difference (seen once in eleven steps of W3 with seed 4).

nntrain's weights before the first step come from a run with learning rate 1e-30, whose update
is far below a float's resolution for the weights; the biases, which start at zero on both
sides, are set back to exactly zero.

    python3 equivalence.py [--nntrain ./nntrain] [--data data/fashion-mnist]"""
import argparse, os, struct, subprocess, sys, tempfile

import numpy as np
import torch
import torch.nn as nn

from bench import MODELS, TOP
from torch_workloads import network, read_idx

ROWS = 676
BOUND = 1e-3


def sections(path):
    """The sections of a .nnw file (format: src/weights.c) as {tag: payload}."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"NNW\0":
        sys.exit(f"equivalence: {path}: not a weights file")
    count, off, out = struct.unpack_from("<I", b, 8)[0], 12, {}
    for _ in range(count):
        size = struct.unpack_from("<Q", b, off + 4)[0]
        out[b[off:off + 4].decode()] = b[off + 12:off + 12 + size]
        off += 12 + size
    return out


def tensors(path):
    p, out = sections(path)["TENS"], {}
    q = 4
    for _ in range(struct.unpack_from("<I", p, 0)[0]):
        n = struct.unpack_from("<H", p, q)[0]
        name = p[q + 2:q + 2 + n].decode()
        q += 2 + n
        ndim = struct.unpack_from("<I", p, q)[0]
        dims = struct.unpack_from(f"<{ndim}I", p, q + 4)
        q += 4 + 4 * ndim
        count = int(np.prod(dims))
        out[name] = np.frombuffer(p, "<f4", count, q).reshape(dims).copy()
        q += 4 * count
    return out


def nntrain_weights(args, workload, tmp, batches):
    """nntrain's weights after training on the first `batches` batches (0: before training)."""
    rows = min(max(batches, 1) * 64, ROWS)
    np.save(f"{tmp}/x.npy", args.x[:rows])
    np.save(f"{tmp}/y.npy", args.y[:rows])
    cmd = [args.nntrain, MODELS[workload], "-e", "1", "-q", "-o", f"{tmp}/w.nnw",
           "-s", "shuffle=false"]
    for key in ("train", "test"):
        cmd += ["-s", f"data.{key}={tmp}/x.npy", "-s", f"data.{key}_labels={tmp}/y.npy"]
    if batches == 0:
        cmd += ["-l", "1e-30"]
    p = subprocess.run(cmd, cwd=TOP, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"equivalence: {' '.join(cmd)} failed:\n{p.stderr}")
    w = tensors(f"{tmp}/w.nnw")
    if batches == 0:
        w.update({k: np.zeros_like(v) for k, v in w.items() if k.endswith(".b")})
    return w


def compare(args, workload, tmp):
    conv = workload == "W3"
    model, lr = network(conv)
    layers = [m for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]
    x = torch.from_numpy(args.x).float() / 255
    x = x.reshape((-1, 1, 28, 28) if conv else (-1, 784))
    y = torch.from_numpy(args.y.astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()
    before = nntrain_weights(args, workload, tmp, 0)
    names = list(dict.fromkeys(k.rsplit(".", 1)[0] for k in before))  # in layer order
    worst = {}
    for step in range(1, (ROWS + 63) // 64 + 1):
        with torch.no_grad():
            for m, name in zip(layers, names):
                m.weight.copy_(torch.from_numpy(before[name + ".W"]))
                m.bias.copy_(torch.from_numpy(before[name + ".b"]))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        rows = slice((step - 1) * 64, step * 64)
        opt.zero_grad()
        loss_fn(model(x[rows]), y[rows]).backward()
        opt.step()
        after = nntrain_weights(args, workload, tmp, step)
        for m, name in zip(layers, names):
            for suffix, t in ((".W", m.weight), (".b", m.bias)):
                key = name + suffix
                mine = t.detach().numpy()
                moved = np.abs(mine - before[key]).max()
                gap = np.abs(mine - after[key]).max() / moved if moved > 0 else 0.0
                worst[key] = max(worst.get(key, 0.0), gap)
        before = after
    for key, gap in worst.items():
        print(f"  {workload} {key:10s} {gap:.2e}")
    top = max(worst.values())
    print(f"{workload}: {step} steps, largest difference {top:.2e} of a step "
          f"({'agree' if top < BOUND else 'DIFFER'}, bound {BOUND:g})", flush=True)
    return top < BOUND


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nntrain", default="./nntrain")
    ap.add_argument("--data", default=os.path.join(TOP, "data", "fashion-mnist"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    args.x = read_idx(f"{args.data}/train-images-idx3-ubyte.gz")[:ROWS].copy()
    args.y = read_idx(f"{args.data}/train-labels-idx1-ubyte.gz")[:ROWS].copy()
    with tempfile.TemporaryDirectory() as tmp:
        ok = [compare(args, w, tmp) for w in ("W2", "W3")]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()

"""nntrain against PyTorch step by step (run by tests/bench/run before the benchmark).

For W2 and W3, on the first 676 training images (ten batches of 64 and a short one of 36):
nntrain trains one epoch, shuffled, from its seeded initial weights; PyTorch starts from the
same weights and takes the same batches in the same order (the permutation nntrain saved in its
weights file), with the same SGD. Prints, per tensor, the largest difference between the two
sides' final weights relative to the largest change training made to that tensor, and exits 1
when any exceeds 1e-3: float rounding alone gives about 1e-6, a wrong gradient far more.

nntrain's initial weights come from a run with learning rate 1e-30, whose updates are far
below a float's resolution for the weights; the biases, which start at zero on both sides, are
set back to exactly zero.

    python3 equivalence.py [--nntrain ./nntrain] [--data data/fashion-mnist]"""
import argparse, os, struct, subprocess, sys, tempfile

import numpy as np
import torch
import torch.nn as nn

from torch_workloads import network, read_idx

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROWS = 676
MODELS = {"W2": "models/fashion_mlp.yaml", "W3": "models/fashion_cnn.yaml"}
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


def permutation(path):
    """The row order of the last epoch, from the OPTM section."""
    p = sections(path)["OPTM"]
    q = 2 + struct.unpack_from("<H", p, 0)[0]
    q += 4 + 8 + 8 + 4 + 4 + 32  # slots, values, steps, epochs, flags, generator
    rows = struct.unpack_from("<Q", p, q)[0]
    return np.frombuffer(p, "<u4", rows, q + 8).astype(np.int64)


def run_nntrain(args, workload, tmp, out, extra):
    cmd = [args.nntrain, MODELS[workload], "-e", "1", "-q", "-o", out,
           "-s", f"data.train={tmp}/x.npy", "-s", f"data.train_labels={tmp}/y.npy",
           "-s", "shuffle=true"] + extra
    p = subprocess.run(cmd, cwd=TOP, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"equivalence: {' '.join(cmd)} failed:\n{p.stderr}")


def compare(args, workload, tmp):
    run_nntrain(args, workload, tmp, f"{tmp}/init.nnw", ["-l", "1e-30"])
    run_nntrain(args, workload, tmp, f"{tmp}/trained.nnw", [])
    start, done = tensors(f"{tmp}/init.nnw"), tensors(f"{tmp}/trained.nnw")
    order = torch.from_numpy(permutation(f"{tmp}/trained.nnw"))

    conv = workload == "W3"
    model, lr = network(conv)
    layers = [m for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]
    names = list(dict.fromkeys(k.rsplit(".", 1)[0] for k in start))  # in layer order
    with torch.no_grad():
        for m, name in zip(layers, names):
            m.weight.copy_(torch.from_numpy(start[name + ".W"]))
            m.bias.zero_()
    x = torch.from_numpy(np.load(f"{tmp}/x.npy")).float() / 255
    x = x.reshape((-1, 1, 28, 28) if conv else (-1, 784))
    y = torch.from_numpy(np.load(f"{tmp}/y.npy").astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for i in range(0, ROWS, 64):
        rows = order[i:i + 64]
        opt.zero_grad()
        loss_fn(model(x[rows]), y[rows]).backward()
        opt.step()

    worst = 0.0
    for m, name in zip(layers, names):
        for suffix, t in ((".W", m.weight), (".b", m.bias)):
            mine = t.detach().numpy()
            moved = np.abs(mine - (start[name + suffix] if suffix == ".W" else 0)).max()
            gap = np.abs(mine - done[name + suffix]).max() / moved
            worst = max(worst, gap)
            print(f"  {workload} {name + suffix:10s} {gap:.2e}")
    print(f"{workload}: {(ROWS + 63) // 64} steps, largest difference {worst:.2e} of the change "
          f"({'agree' if worst < BOUND else 'DIFFER'}, bound {BOUND:g})", flush=True)
    return worst < BOUND


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nntrain", default="./nntrain")
    ap.add_argument("--data", default=os.path.join(TOP, "data", "fashion-mnist"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/x.npy", read_idx(f"{args.data}/train-images-idx3-ubyte.gz")[:ROWS].copy())
        np.save(f"{tmp}/y.npy", read_idx(f"{args.data}/train-labels-idx1-ubyte.gz")[:ROWS].copy())
        ok = [compare(args, w, tmp) for w in ("W2", "W3")]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()

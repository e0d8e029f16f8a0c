"""The SPEC section 7 workloads in PyTorch, written the way a careful PyTorch user would:
tensors in memory, a shuffled index permutation per epoch, no DataLoader overhead.

    python3 torch_workloads.py W1|W2|W3 [--epochs N] [--data DIR] [--threads N]

Prints one JSON object: seconds (training loop only; W1: the whole loop), samples_per_s and,
when test data is there, test_acc."""
import argparse, gzip, json, os, struct, time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def he_uniform(model):
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")  # bound sqrt(6 / fan_in)
            nn.init.zeros_(m.bias)


def xor(args):
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())
    for p in model.parameters():  # the seed's U(-0.5, 0.5)
        nn.init.uniform_(p, -0.5, 0.5)
    x = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
    y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float32)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for epoch in range(args.epochs or 1000):
        total = 0.0
        for i in range(4):
            opt.zero_grad()
            loss = loss_fn(model(x[i:i + 1]), y[i:i + 1])
            loss.backward()
            opt.step()
            total += loss.item()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "samples_per_s": 4 * (args.epochs or 1000) / seconds}


def network(conv):
    """W3's network (conv) or W2's, as nn.Sequential, and its learning rate."""
    if conv:
        return nn.Sequential(
            nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 10)), 0.05
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10)), 0.1


def fashion(args, conv):
    d = args.data
    xtr = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz").copy())
    ytr = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz").copy())
    yte = torch.from_numpy(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    shape = (-1, 1, 28, 28) if conv else (-1, 784)
    xtr = (xtr.float() / 255).reshape(shape)
    xte = (xte.float() / 255).reshape(shape)
    torch.manual_seed(args.seed)
    model, lr = network(conv)
    he_uniform(model)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()  # softmax fused into the loss, as in nntrain
    n, batch = xtr.shape[0], 64
    start = time.perf_counter()
    for epoch in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        correct = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
                      for i in range(0, xte.shape[0], 1000))
    return {"seconds": seconds, "samples_per_s": n * args.epochs / seconds,
            "test_acc": correct / xte.shape[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--data", default="data/fashion-mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.workload == "W1":
        result = xor(args)
    else:
        args.epochs = args.epochs or 1
        result = fashion(args, conv=args.workload == "W3")
    result["torch_threads"] = torch.get_num_threads()
    result["openblas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

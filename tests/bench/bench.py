"""Benchmark of nntrain against PyTorch on the SPEC section 7 workloads (run by tests/bench/run).

Both sides run the same work on the same cores in the same invocation, alternately, several
times; the table gives medians and their ratio, since absolute times drift on a shared machine.
PyTorch gets its best thread setting, chosen by a short sweep unless --no-sweep. With --mpi it
measures data-parallel scaling instead: nntrain-mpi on 1 and 2 ranks of one thread each."""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TORCH = [sys.executable, os.path.join(TOP, "tests", "bench", "torch_workloads.py")]
DATA = os.path.join(TOP, "data", "fashion-mnist")
# Training FLOP per sample: 2 per multiply-add, forward + backward (weights and inputs), the
# first layer's input gradient excluded: 6 * MACs - 2 * MACs(first layer).
MACS_W2 = 784 * 256 + 256 * 128 + 128 * 10
FLOP_W2 = 6 * MACS_W2 - 2 * 784 * 256                        # 1.007 MFLOP
MACS_C1 = 24 * 24 * 32 * 25
MACS_W3 = MACS_C1 + 8 * 8 * 64 * 32 * 25 + 1024 * 128 + 128 * 10
FLOP_W3 = 6 * MACS_W3 - 2 * MACS_C1                          # 22.3 MFLOP
MODELS = {"W2": "models/fashion_mlp.yaml", "W3": "models/fashion_cnn.yaml"}
FLOP = {"W2": FLOP_W2, "W3": FLOP_W3}


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (stdout, wall seconds, peak RSS in MiB)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, cwd=TOP,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
        return p.stdout, wall, int(rss.read().split()[-1]) / 1024


def env_with(**kw):
    env = dict(os.environ)
    env.update({k: str(v) for k, v in kw.items()})
    return env


def nntrain(workload, epochs, threads):
    out = os.path.join(tempfile.gettempdir(), f"bench-{workload}.nnw")
    cmd = ["./nntrain", MODELS[workload], "-e", str(epochs), "-j", str(threads), "-o", out,
           "--log-format", "json"]
    stdout, _, rss = timed(cmd)
    lines = [json.loads(l) for l in stdout.splitlines() if l.startswith("{")]
    seconds = sum(l["seconds"] for l in lines if "epoch" in l)
    test = [l for l in lines if "test_acc" in l]
    return {"samples_per_s": 60000 * epochs / seconds, "rss": rss,
            "test_acc": test[0]["test_acc"] if test else None}


def torch(workload, epochs, setting):
    torch_threads, blas_threads = setting
    cmd = TORCH + [workload, "--epochs", str(epochs), "--data", DATA, "--threads",
                   str(torch_threads)]
    stdout, _, rss = timed(cmd, env_with(OPENBLAS_NUM_THREADS=blas_threads))
    r = json.loads(stdout.strip().splitlines()[-1])
    r["rss"] = rss
    return r


def best_torch_setting(workload, threads, sweep):
    defaults = {"W2": (1, threads), "W3": (threads, 1)}  # measured best on 2 cores
    if not sweep:
        return defaults[workload]
    settings = sorted({(1, 1), (1, threads), (threads, 1), (threads, threads)})
    rates = {s: torch(workload, 1, s)["samples_per_s"] for s in settings}
    for s, r in sorted(rates.items()):
        print(f"  PyTorch {workload} torch threads {s[0]}, OpenBLAS threads {s[1]}: "
              f"{r:,.0f} samples/s", flush=True)
    return max(rates, key=rates.get)


def nntrain_mpi(workload, ranks):
    """One epoch of nntrain-mpi (make MPI=1) on `ranks` ranks of one thread each; the rate is
    60000 rows over rank 0's epoch time, which includes every rank's wait for the others."""
    out = os.path.join(tempfile.gettempdir(), f"bench-mpi-{workload}.nnw")
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    cmd = (["mpirun", "-np", str(ranks)] + root +
           ["./nntrain-mpi", MODELS[workload], "-e", "1", "-j", "1", "-o", out,
            "--log-format", "json"])
    stdout, _, _ = timed(cmd)
    epoch = [json.loads(l) for l in stdout.splitlines() if l.startswith('{"epoch"')][0]
    return 60000 / epoch["seconds"]


def mpi_scaling(workloads, repeat):
    """--mpi: W2 and W3 on 1 and 2 ranks (-j 1 each), alternately, `repeat` times; medians."""
    rows = []
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    for w in [w for w in workloads if w in ("W2", "W3")]:
        rates = {1: [], 2: []}
        for _ in range(repeat):
            for ranks in (1, 2):
                rates[ranks].append(nntrain_mpi(w, ranks))
                print(f"  {w} -np {ranks}: {rates[ranks][-1]:,.0f} samples/s", flush=True)
        # The median, and the best run, which is what an idle machine gives: a rank that
        # loses its core to another process holds up the other at every step.
        for kind, pick in (("median", statistics.median), ("best", max)):
            one, two = pick(rates[1]), pick(rates[2])
            rows.append((f"{w} {'mlp' if w == 'W2' else 'cnn'} (1 epoch), {kind}",
                         f"{one:,.0f}/s", f"{two:,.0f}/s", f"{two / one:.2f}x",
                         f"{two / (2 * one):.0%}"))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = ("workload", "-np 1 -j 1", "-np 2 -j 1", "speed-up", "scaling efficiency")
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def w1(repeat):
    nn, pt = [], []
    for _ in range(repeat):
        nn.append(timed(["./nntrain", "models/xor.yaml", "-q", "-o",
                         os.path.join(tempfile.gettempdir(), "bench-xor.nnw")])[1])
        pt.append(timed(TORCH + ["W1"])[1])
    return statistics.median(nn), statistics.median(pt)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3, help="alternate runs per side (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="cores for both sides (default 2)")
    ap.add_argument("--workloads", default="W1,W2,W3")
    ap.add_argument("--accuracy", action="store_true",
                    help="also train W2 for 10 epochs and W3 for 3 and report test accuracy")
    ap.add_argument("--no-sweep", action="store_true", help="skip PyTorch's thread sweep")
    ap.add_argument("--mpi", action="store_true",
                    help="instead: W2 and W3 throughput of nntrain-mpi on 1 and 2 ranks")
    args = ap.parse_args()
    workloads = args.workloads.split(",")
    if args.mpi:
        return mpi_scaling(workloads, args.repeat)

    sgemm = subprocess.run([os.path.join(TOP, "build", "bench", "sgemm")], text=True,
                           env=env_with(OPENBLAS_NUM_THREADS=args.threads),
                           stdout=subprocess.PIPE, check=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; one sgemm of size 1024: {sgemm} GFLOP/s",
          flush=True)
    rows = []
    if "W1" in workloads:
        nn, pt = w1(max(args.repeat, 5))
        rows.append(("W1 xor (whole process)", f"{nn * 1000:.0f} ms", f"{pt * 1000:.0f} ms",
                     f"{pt / nn:.0f}x", "", "", "", "", ""))
        print(rows[-1], flush=True)
    for w in [w for w in workloads if w in ("W2", "W3")]:
        setting = best_torch_setting(w, args.threads, not args.no_sweep)
        nn, pt = [], []
        for _ in range(args.repeat):
            nn.append(nntrain(w, 1, args.threads))
            pt.append(torch(w, 1, setting))
        nn_rate = statistics.median(r["samples_per_s"] for r in nn)
        pt_rate = statistics.median(r["samples_per_s"] for r in pt)
        acc_nn = acc_pt = ""
        if args.accuracy:
            epochs = 10 if w == "W2" else 3
            acc_nn = f"{nntrain(w, epochs, args.threads)['test_acc']:.4f}"
            acc_pt = f"{torch(w, epochs, setting)['test_acc']:.4f}"
        rows.append((f"{w} {'mlp' if w == 'W2' else 'cnn'} (1 epoch)",
                     f"{nn_rate:,.0f}/s", f"{pt_rate:,.0f}/s", f"{nn_rate / pt_rate:.2f}x",
                     f"{nn_rate * FLOP[w] / 1e9:.1f} / {pt_rate * FLOP[w] / 1e9:.1f}",
                     f"{max(r['rss'] for r in nn):.0f} / {max(r['rss'] for r in pt):.0f}",
                     acc_nn, acc_pt, f"torch {setting[0]}, BLAS {setting[1]}"))
        print(rows[-1], flush=True)
    head = ("workload", "nntrain", "PyTorch", "speed-up", "GFLOP/s nn / pt",
            "peak RSS MiB nn / pt", "test acc nn", "test acc pt", "PyTorch threads")
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

"""neurona, scikit-learn and (with --with-torch) PyTorch side by side, in one run, on the same data.

Run through scripts/bench, which builds the Rust side (crates/neurona/examples/bench.rs) first.
Every case trains in a child process of its own, so that its peak resident memory is its own
(os.wait4), and each library gets the same threads (--threads for neurona, OMP/OpenBLAS/MKL
thread variables and torch.set_num_threads for the others). The data are a synthetic stand-in
for MNIST (60,000 x 784 float32 rows in [0, 1), ten classes from a noisy linear teacher),
drawn from a fixed seed and written once as .npy files that both sides read; digits is
scikit-learn's (the copy neurona bundles is the same). Each case runs --repeat times (default 3),
the libraries taking turns, and each library's best time counts: this machine's speed wanders
from one second to the next (a shared virtual machine), and the best of a few runs is the
number that repeats.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone

UNITS = [784, 256, 128, 10]
EPOCHS = 5
SEED = 0


def flops_per_sample(units, training=True):
    """Multiply-adds x 2 of one sample: forward, and for training the weight gradients and the
    deltas handed down (none below the first layer)."""
    products = sum(a * b for a, b in zip(units, units[1:]))
    if not training:
        return 2 * products
    return 2 * (3 * products - units[0] * units[1])


# ----------------------------------------------------------------------------- children


def thread_env(threads):
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def load(args):
    """The first rows, in the dtype trained on, read chunk by chunk into one array: no memory
    map and no second copy, so that the peak memory is the library's (the Rust side reads the
    same way)."""
    import numpy as np

    dtype = np.float32 if args.dtype == "f32" else np.float64
    with open(os.path.join(args.data, "X.npy"), "rb") as f:
        major, _ = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, stored = read_header(f)
        rows = min(args.rows, shape[0])
        x = np.empty((rows, shape[1]), dtype=dtype)
        for s in range(0, rows, 10000):
            n = min(10000, rows - s)
            x[s : s + n] = np.fromfile(f, dtype=stored, count=n * shape[1]).reshape(n, shape[1])
    y = np.load(os.path.join(args.data, "y.npy"))[:rows].copy()
    return x, y


def child_sklearn_train(args):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x, y = load(args)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(UNITS[1:-1]), solver="adam", batch_size=200, max_iter=args.epochs, random_state=SEED
    )
    fit = timed_fit(clf, x, y, ConvergenceWarning)
    out = {"fit_seconds": fit, "n_iter": clf.n_iter_, "loss": clf.loss_, "max_rss_mb": peak_resident_mb()}
    if args.predict:
        out["predict_seconds"] = best_of(3, lambda: clf.predict_proba(x))
        out["train_accuracy"] = float((clf.predict(x) == y).mean())
    return out


def child_torch_train(args):
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    x, y = load(args)
    dtype = torch.float32 if args.dtype == "f32" else torch.float64
    x_t = torch.from_numpy(x)
    y_t = torch.from_numpy(y)
    layers = []
    for a, b in zip(UNITS, UNITS[1:]):
        layers += [torch.nn.Linear(a, b, dtype=dtype), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    # scikit-learn's L2 term alpha/(2 batch) ||W||^2 on the weights only, as Adam's weight decay.
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    optimizer = torch.optim.Adam(
        [{"params": weights, "weight_decay": 1e-4 / 200}, {"params": biases, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(x_t), generator=generator)
        for s in range(0, len(x_t), 200):
            idx = order[s : s + 200]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_t[idx]), y_t[idx])
            loss.backward()
            optimizer.step()
    fit = time.perf_counter() - start
    out = {"fit_seconds": fit, "loss": float(loss.detach()), "max_rss_mb": peak_resident_mb()}
    if args.predict:

        def predict():
            with torch.no_grad():
                torch.softmax(model(x_t), dim=1)

        out["predict_seconds"] = best_of(3, predict)
        with torch.no_grad():
            out["train_accuracy"] = float((model(x_t).argmax(1) == y_t).double().mean())
    return out


def digits_split():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data / 16.0
    cut = 1437
    return x[:cut], digits.target[:cut], x[cut:], digits.target[cut:]


def timed_fit(clf, x, y, ignored=Warning):
    """Seconds of clf.fit(x, y), with the warnings of category `ignored` silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ignored)
        start = time.perf_counter()
        clf.fit(x, y)
        return time.perf_counter() - start


def digits_case(clf, ignored=Warning):
    """The digits case for a scikit-learn-style classifier: the fit timed, the test accuracy,
    and the median time of a one-row predict."""
    x_train, y_train, x_test, y_test = digits_split()
    fit = timed_fit(clf, x_train, y_train, ignored)
    rows = [x_test[i : i + 1] for i in range(len(x_test))]
    return {
        "fit_seconds": fit,
        "n_iter": clf.n_iter_,
        "test_accuracy": float(clf.score(x_test, y_test)),
        "predict_one": median_per_call(lambda i: clf.predict(rows[i % len(rows)]), 2000),
    }


def child_sklearn_digits(args):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    return digits_case(MLPClassifier(solver=args.solver, random_state=SEED), ConvergenceWarning)


def child_neurona_py_digits(args):
    """The digits case through the neurona Python package, when it is installed."""
    import neurona

    return digits_case(neurona.MLPClassifier(solver=args.solver, random_state=SEED))


def child_numpy_peak(args):
    import numpy as np

    out = {}
    for name, dtype in (("f32", np.float32), ("f64", np.float64)):
        a = np.full((args.size, args.size), 0.5, dtype=dtype)
        out["gflops_" + name] = 2 * args.size**3 / best_of(5, lambda: a @ a) / 1e9
    return out


def peak_resident_mb():
    """This process's peak resident memory so far (VmHWM), in MiB. Read by the process itself:
    the parent's wait4 would also count the pages a child shared with it before exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def best_of(repeats, f):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def median_per_call(f, calls):
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for i in range(calls):
            f(i)
        samples.append((time.perf_counter() - start) / calls)
    return sorted(samples)[len(samples) // 2]


CHILDREN = {
    "sklearn-train": child_sklearn_train,
    "torch-train": child_torch_train,
    "sklearn-digits": child_sklearn_digits,
    "neurona-py-digits": child_neurona_py_digits,
    "numpy-peak": child_numpy_peak,
}


# ----------------------------------------------------------------------------- the run


def run(command, threads, quiet=False):
    """Runs a child and returns its JSON line."""
    stderr = subprocess.DEVNULL if quiet else None
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, env=thread_env(threads), text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rust(opts, *args, threads):
    return run([opts.bin, *args, "--threads", str(threads)], threads)


def python(opts, child, *args, threads, quiet=False, interpreter=None):
    command = [interpreter or sys.executable, __file__, "--child", child, "--data", opts.data, *args]
    return run([*command, "--threads", str(threads)], threads, quiet)


def neurona_python(opts):
    """A Python that imports the neurona package (and scikit-learn), or None."""
    for candidate in filter(None, [opts.neurona_python, sys.executable]):
        probe = subprocess.run([candidate, "-c", "import neurona, sklearn"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def best(runs):
    """One result from repeated runs: the least of every time, the most memory."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        values = [r[key] for r in runs]
        if key.endswith("_seconds"):
            merged[key] = min(values)
        elif key == "max_rss_mb" and None not in values:
            merged[key] = max(values)
        elif key == "predict_one":
            if isinstance(value, dict):
                merged[key] = {k: min(v[k] for v in values) for k in value}
            else:
                merged[key] = min(values)
    merged["runs"] = len(runs)
    return merged


def side_by_side(opts, cases):
    """Runs each (name, thunk) of `cases` --repeat times, taking turns, and keeps the best."""
    runs = {name: [] for name, _ in cases}
    for _ in range(opts.repeat):
        for name, thunk in cases:
            runs[name].append(thunk())
    return {name: best(r) for name, r in runs.items()}


def make_data(path, rows):
    import numpy as np

    x_path, y_path = os.path.join(path, "X.npy"), os.path.join(path, "y.npy")
    if os.path.exists(x_path) and np.load(x_path, mmap_mode="r").shape[0] >= rows:
        return
    os.makedirs(path, exist_ok=True)
    rng = np.random.RandomState(SEED)
    x = np.empty((rows, UNITS[0]), dtype=np.float32)
    for s in range(0, rows, 10000):
        x[s : s + 10000] = rng.random_sample((min(10000, rows - s), UNITS[0]))
    teacher = rng.standard_normal((UNITS[0], UNITS[-1]))
    y = np.argmax((x - 0.5) @ teacher + rng.standard_normal((rows, UNITS[-1])), axis=1).astype(np.int64)
    np.save(x_path, x)
    np.save(y_path, y)


def user_args(args):
    """The command line as typed: without the options that scripts/bench adds."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--bin", "--data", "--neurona-python"):
            skip = True
        else:
            out.append(arg)
    return out


def machine():
    model, cores = platform.processor(), os.cpu_count()
    try:
        info = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        model = fields.get("Model name", model).strip()
        flags = fields.get("Flags", "")
        simd = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if "fma" in flags else "SSE"
    except OSError:
        simd = "?"
    return f"{model}, {cores} cores, {simd}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", help="the Rust bench binary")
    parser.add_argument("--data", default="target/bench-data")
    parser.add_argument("--with-torch", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run on fewer rows and epochs")
    parser.add_argument("--json", help="also write every measurement to this file")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case; the best time counts")
    parser.add_argument("--neurona-python", help="a Python with the neurona package, for its cells")
    # Child-process options.
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--dtype", default="f32")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--solver", default="adam")
    parser.add_argument("--size", type=int, default=1536)
    parser.add_argument("--predict", action="store_true")
    opts = parser.parse_args()
    if opts.child:
        print(json.dumps(CHILDREN[opts.child](opts)))
        return

    threads = opts.threads
    rows = 15000 if opts.quick else 60000
    epochs = 1 if opts.quick else EPOCHS
    scaling_rows = [rows // 4, rows // 2, rows, rows * 2]
    make_data(opts.data, max(scaling_rows))
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    results = {
        "machine": machine(),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "threads": threads,
        "repeat": opts.repeat,
        "command": " ".join(["scripts/bench", *user_args(sys.argv[1:])]),
    }
    torch_ok = False
    if opts.with_torch:
        try:
            import torch  # noqa: F401

            torch_ok = True
        except ImportError:
            say("--with-torch: torch is not importable from this Python; its column is n/a")

    say("peak: a 1536x1536x1536 product")
    results.update(
        side_by_side(
            opts,
            [
                ("peak_neurona", lambda: rust(opts, "peak", threads=threads)),
                ("peak_numpy", lambda: python(opts, "numpy-peak", threads=threads)),
            ],
        )
    )
    peak = {d: max(results["peak_neurona"]["gflops_" + d], results["peak_numpy"]["gflops_" + d]) for d in ("f32", "f64")}
    results["peak"] = peak

    train = ["--rows", str(rows), "--epochs", str(epochs)]
    x_args = ["--x", os.path.join(opts.data, "X.npy"), "--y", os.path.join(opts.data, "y.npy")]
    for dtype in ("f32", "f64"):
        say(f"large network, {dtype}: neurona, scikit-learn" + (", PyTorch" if torch_ok else ""))
        cases = [
            (f"large_{dtype}_neurona", lambda: rust(opts, "train", *x_args, *train, "--dtype", dtype, "--predict", threads=threads)),
            (f"large_{dtype}_sklearn", lambda: python(opts, "sklearn-train", *train, "--dtype", dtype, "--predict", threads=threads)),
        ]
        if torch_ok:
            cases.append(
                (f"large_{dtype}_torch", lambda: python(opts, "torch-train", *train, "--dtype", dtype, "--predict", threads=threads))
            )
        results.update(side_by_side(opts, cases))
    say("large network, f32: neurona on one thread")
    results.update(
        side_by_side(
            opts,
            [("large_f32_neurona_1", lambda: rust(opts, "train", *x_args, *train, "--dtype", "f32", threads=1))],
        )
    )
    for n in scaling_rows:
        say(f"scaling: neurona on {n} rows")
        scaling = ["--rows", str(n), "--epochs", str(max(1, epochs // 2))]
        results.update(side_by_side(opts, [(f"scaling_{n}", lambda: rust(opts, "train", *x_args, *scaling, threads=threads))]))
    py_neurona = neurona_python(opts)
    if py_neurona is None:
        say("the neurona Python package is not importable: its cells are n/a")
    for solver in ("adam", "lbfgs"):
        say(f"digits, {solver}: neurona (Rust" + (", Python" if py_neurona else "") + ") and scikit-learn")
        cases = [
            (f"digits_{solver}_neurona", lambda: rust(opts, "digits", "--solver", solver, threads=threads)),
            (f"digits_{solver}_sklearn", lambda: python(opts, "sklearn-digits", "--solver", solver, threads=threads)),
        ]
        if py_neurona:
            cases.append(
                (
                    f"digits_{solver}_neurona_py",
                    lambda: python(opts, "neurona-py-digits", "--solver", solver, threads=threads, interpreter=py_neurona),
                )
            )
        results.update(side_by_side(opts, cases))
    results["load"] = {"before": load_before, "after": os.getloadavg()}

    print(table(results, rows, epochs, torch_ok, opts))
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)


def table(r, rows, epochs, torch_ok, opts):
    peak = r["peak"]
    out = [
        f"`{r['command']}` on {r['machine']}; {r['date']}; {r['threads']} threads unless noted; "
        f"best of {r['repeat']} runs per case; load average {r['load']['before'][0]:.2f} before, "
        f"{r['load']['after'][0]:.2f} after.",
        f"Measured peak (best 1536^3 GEMM, neurona's gemm crate or numpy's OpenBLAS): "
        f"{peak['f32']:.0f} GFLOP/s float32, {peak['f64']:.0f} GFLOP/s float64 "
        f"(neurona {r['peak_neurona']['gflops_f32']:.0f}/{r['peak_neurona']['gflops_f64']:.0f}, "
        f"OpenBLAS {r['peak_numpy']['gflops_f32']:.0f}/{r['peak_numpy']['gflops_f64']:.0f}).",
        "",
        "| case | neurona | scikit-learn | neurona / sklearn | PyTorch | neurona / torch | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    na = "n/a"

    def ratio(a, b):
        return a / b if a and b else None

    def fmt_ratio(x):
        return na if x is None else f"{x:.2f}"

    def row(case, neurona, sklearn, torch, ratio_sk, ratio_torch, target, met):
        met_text = na if met is None else ("yes" if met else "**no**")
        out.append(f"| {case} | {neurona} | {sklearn} | {ratio_sk} | {torch} | {ratio_torch} | {target} | {met_text} |")

    train_flops = flops_per_sample(UNITS) * rows * epochs
    for dtype, sk_target, torch_target in (("f32", 0.30, 0.55), ("f64", 0.35, None)):
        n, s = r[f"large_{dtype}_neurona"], r[f"large_{dtype}_sklearn"]
        t = r.get(f"large_{dtype}_torch")
        rs, rt = ratio(n["fit_seconds"], s["fit_seconds"]), ratio(n["fit_seconds"], t and t["fit_seconds"])
        gflops = train_flops / n["fit_seconds"] / 1e9
        target = f"<= {sk_target} of sklearn" + (f", <= {torch_target} of torch" if torch_target else "")
        met = rs <= sk_target and (rt is None or torch_target is None or rt <= torch_target)
        row(
            f"784-256-128-10 adam, {rows} rows x {epochs} epochs, {dtype}: fit (s) "
            f"[neurona {gflops:.0f} GFLOP/s = {gflops / peak[dtype]:.0%} of peak]",
            f"{n['fit_seconds']:.2f}",
            f"{s['fit_seconds']:.2f}",
            t and f"{t['fit_seconds']:.2f}" or na,
            fmt_ratio(rs),
            fmt_ratio(rt),
            target,
            met,
        )
        pred_flops = flops_per_sample(UNITS, training=False) * rows
        rp = ratio(n["predict_seconds"], s["predict_seconds"])
        rtp = ratio(n["predict_seconds"], t and t["predict_seconds"])
        row(
            f"predict_proba on the {rows} rows, {dtype} (s) "
            f"[neurona {pred_flops / n['predict_seconds'] / 1e9:.0f} GFLOP/s]",
            f"{n['predict_seconds']:.3f}",
            f"{s['predict_seconds']:.3f}",
            t and f"{t['predict_seconds']:.3f}" or na,
            fmt_ratio(rp),
            fmt_ratio(rtp),
            ">= 3x faster than sklearn" if dtype == "f32" else "",
            rp <= 1 / 3 if dtype == "f32" else None,
        )
        data_mb = rows * UNITS[0] * (4 if dtype == "f32" else 8) / 2**20
        row(
            f"peak RSS while training, {dtype} (MB; the data are {data_mb:.0f} MB)",
            f"{n['max_rss_mb']:.0f}",
            f"{s['max_rss_mb']:.0f}",
            t and f"{t['max_rss_mb']:.0f}" or na,
            fmt_ratio(ratio(n["max_rss_mb"], s["max_rss_mb"])),
            fmt_ratio(ratio(n["max_rss_mb"], t and t["max_rss_mb"])),
            f"<= data + 100 = {data_mb + 100:.0f}",
            n["max_rss_mb"] <= data_mb + 100,
        )
        print_accuracy = f"train accuracy neurona {n['train_accuracy']:.3f}, sklearn {s['train_accuracy']:.3f}"
        if t:
            print_accuracy += f", torch {t['train_accuracy']:.3f}"
        out.append(f"| ({dtype} {print_accuracy}) | | | | | | | |")
    one, two = r["large_f32_neurona_1"]["fit_seconds"], r["large_f32_neurona"]["fit_seconds"]
    row(
        "neurona, large f32: 1 thread vs 2 (s)",
        f"{one:.2f} -> {two:.2f} ({one / two:.2f}x)",
        "",
        "",
        "",
        "",
        ">= 1.6x",
        one / two >= 1.6,
    )
    for solver, speedup in (("adam", 20), ("lbfgs", 5)):
        n, s = r[f"digits_{solver}_neurona"], r[f"digits_{solver}_sklearn"]
        py = r.get(f"digits_{solver}_neurona_py")
        rs = ratio(n["fit_seconds"], s["fit_seconds"])
        row(
            f"digits MLPClassifier(solver='{solver}'): fit (s), {n['n_iter']} / {s['n_iter']} iterations, "
            f"test accuracy {n['test_accuracy']:.3f} / {s['test_accuracy']:.3f}",
            f"{n['fit_seconds']:.3f}",
            f"{s['fit_seconds']:.3f}",
            na,
            f"{fmt_ratio(rs)} ({1 / rs:.1f}x faster)",
            na,
            f">= {speedup}x faster, same accuracy",
            1 / rs >= speedup and abs(n["test_accuracy"] - s["test_accuracy"]) <= 0.01,
        )
        if py:
            rp = ratio(py["fit_seconds"], s["fit_seconds"])
            row(
                f"... the same from Python (neurona package): fit (s), test accuracy {py['test_accuracy']:.3f}",
                f"{py['fit_seconds']:.3f}",
                f"{s['fit_seconds']:.3f}",
                na,
                f"{fmt_ratio(rp)} ({1 / rp:.1f}x faster)",
                na,
                f">= {speedup}x faster, same accuracy",
                1 / rp >= speedup and abs(py["test_accuracy"] - s["test_accuracy"]) <= 0.01,
            )
    n, s = r["digits_adam_neurona"]["predict_one"], r["digits_adam_sklearn"]["predict_one"]
    py = r.get("digits_adam_neurona_py")
    row(
        "predict one digits sample (µs): Rust predict_into / Rust predict, vs sklearn predict",
        f"{n['predict_into'] * 1e6:.1f} / {n['predict'] * 1e6:.1f}",
        f"{s * 1e6:.0f}",
        na,
        fmt_ratio(ratio(n["predict"], s)),
        na,
        "<= 5 µs from Rust",
        n["predict_into"] <= 5e-6,
    )
    py_text = f"{py['predict_one'] * 1e6:.1f}" if py else na
    row(
        "predict one digits sample from Python (µs): neurona package vs sklearn",
        py_text,
        f"{s * 1e6:.0f}",
        na,
        fmt_ratio(ratio(py and py["predict_one"], s)),
        na,
        ">= 10x faster than sklearn",
        None if not py else py["predict_one"] * 10 <= s,
    )
    out.append("")
    out.append("Training time against rows (neurona, float32, same network; time per epoch):")
    out.append("")
    out.append("| rows | s per epoch | µs per row |")
    out.append("|---|---|---|")
    for key in sorted((k for k in r if k.startswith("scaling_")), key=lambda k: int(k.split("_")[1])):
        n = r[key]
        per_epoch = n["fit_seconds"] / n["n_iter"]
        out.append(f"| {n['rows']} | {per_epoch:.3f} | {per_epoch / n['rows'] * 1e6:.2f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()

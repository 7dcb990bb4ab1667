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
        "loss": float(clf.loss_),
        "test_accuracy": float(clf.score(x_test, y_test)),
        "predict_one": median_per_call(lambda i: clf.predict(rows[i % len(rows)]), 2000),
    }


def keep_minimize_results():
    """Wraps scipy.optimize.minimize, which scikit-learn's L-BFGS fit calls, so that its result
    (and with it the number of objective evaluations, `nfev`, which the estimator does not keep)
    can be read after the fit. One call per fit: the wrapper costs nothing measurable."""
    import scipy.optimize

    results, original = [], scipy.optimize.minimize

    def minimize(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    scipy.optimize.minimize = minimize
    return results


def child_sklearn_digits(args):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    minimized = keep_minimize_results()
    out = digits_case(MLPClassifier(solver=args.solver, random_state=SEED), ConvergenceWarning)
    if minimized:
        out["n_fev"] = int(minimized[-1].nfev)
    return out


def child_neurona_py_digits(args):
    """The digits case through the neurona Python package, when it is installed."""
    import neurona

    return digits_case(neurona.MLPClassifier(solver=args.solver, random_state=SEED))


# The grid a course would search on digits: width and depth, the L2 penalty and the step size,
# 3 x 2 x 2 = 12 settings, each fitted on three folds and the best refitted: 37 fits.
GRID = {
    "hidden_layer_sizes": [(50,), (100,), (100, 50)],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-3, 1e-2],
}


def child_grid(args):
    """scikit-learn's GridSearchCV over GRID with 3-fold cross-validation on all of digits
    (pixels / 16), over neurona's or scikit-learn's MLPClassifier, n_jobs left at its default
    (one process; neurona's threads and OpenBLAS's as the environment sets them). Timed end to
    end: the 36 fits and scores and the refit of the best setting."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV

    if args.library == "neurona":
        from neurona import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    digits = load_digits()
    x, y = digits.data / 16.0, digits.target
    search = GridSearchCV(MLPClassifier(max_iter=args.max_iter, random_state=SEED), GRID, cv=3)
    fit = timed_fit(search, x, y)
    best = {k: list(v) if isinstance(v, tuple) else v for k, v in search.best_params_.items()}
    return {
        "fit_seconds": fit,
        "max_iter": args.max_iter,
        "settings": len(search.cv_results_["params"]),
        "best_params": best,
        "best_score": float(search.best_score_),
        "mean_test_score": [float(v) for v in search.cv_results_["mean_test_score"]],
        "refit_n_iter": int(search.best_estimator_.n_iter_),
    }


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
    "grid": child_grid,
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", help="the Rust bench binary")
    parser.add_argument("--data", default="target/bench-data")
    parser.add_argument("--with-torch", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke run on fewer rows and epochs")
    parser.add_argument("--busy", action="store_true", help="also each neurona case beside a CPU-bound process")
    parser.add_argument("--json", help="also write every measurement to this file")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case; the best time counts")
    parser.add_argument("--neurona-python", help="a Python with the neurona package, for its cells")
    parser.add_argument("--make-data", action="store_true", help="only write the data (for scripts/profile)")
    # Child-process options.
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--dtype", default="f32")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--solver", default="adam")
    parser.add_argument("--size", type=int, default=1536)
    parser.add_argument("--predict", action="store_true")
    parser.add_argument("--library", choices=["neurona", "sklearn"], default="sklearn")
    parser.add_argument("--max-iter", type=int, default=GRID_MAX_ITER)
    return parser.parse_args()


# scikit-learn's default: what a course's grid search runs when it does not set max_iter. With
# learning_rate_init 1e-3 the fits use all 200 epochs (as the default digits fit does) but the
# (100, 50) network's (about 155); with 1e-2 they stop on the tolerance rule after 54 to 97.
# Fewer would compare unconverged models, each with a ConvergenceWarning.
GRID_MAX_ITER = 200


def main():
    opts = parse_args()
    if opts.child:
        print(json.dumps(CHILDREN[opts.child](opts)))
        return
    if opts.make_data:
        make_data(opts.data, 120000)
        return
    rows = 15000 if opts.quick else 60000
    epochs = 1 if opts.quick else EPOCHS
    make_data(opts.data, rows * 2)
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    results = {
        "machine": machine(),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "threads": opts.threads,
        "repeat": opts.repeat,
        "rows": rows,
        "epochs": epochs,
        "command": " ".join(["scripts/bench", *user_args(sys.argv[1:])]),
    }
    torch_ok = False
    if opts.with_torch:
        try:
            import torch  # noqa: F401

            torch_ok = True
        except ImportError:
            say("--with-torch: torch is not importable from this Python; its column is n/a")
    py_neurona = neurona_python(opts)
    if py_neurona is None:
        say("the neurona Python package is not importable: its cells (and the grid search) are n/a")
    sections = {
        "peak": lambda: run_peak(opts),
        "large": lambda: run_large(opts, rows, epochs, torch_ok),
        "digits": lambda: run_digits(opts, py_neurona),
        "grid": lambda: run_grid(opts, py_neurona),
        "busy": lambda: run_busy(opts, rows, epochs, py_neurona) if opts.busy else {},
    }
    results["section_seconds"] = {}
    for name, section in sections.items():
        start = time.perf_counter()
        results.update(section())
        results["section_seconds"][name] = time.perf_counter() - start
    results["load"] = {"before": load_before, "after": os.getloadavg()}
    results["seconds"] = (datetime.now(timezone.utc) - started).total_seconds()
    results["targets"] = issue14_targets(results)

    print(table(results, rows, epochs, torch_ok, opts))
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)


def say(text):
    print(text, file=sys.stderr, flush=True)


def run_peak(opts):
    """The machine's product rate in this run: the best 1536-cube product of neurona's GEMM and
    of numpy's OpenBLAS, float32 and float64, with the run's threads."""
    say("peak: a 1536x1536x1536 product")
    out = side_by_side(
        opts,
        [
            ("peak_neurona", lambda: rust(opts, "peak", threads=opts.threads)),
            ("peak_numpy", lambda: python(opts, "numpy-peak", threads=opts.threads)),
        ],
    )
    out["peak"] = {d: max(out["peak_neurona"]["gflops_" + d], out["peak_numpy"]["gflops_" + d]) for d in ("f32", "f64")}
    return out


def large_args(opts, rows, epochs):
    x_args = ["--x", os.path.join(opts.data, "X.npy"), "--y", os.path.join(opts.data, "y.npy")]
    return [*x_args, "--rows", str(rows), "--epochs", str(epochs)]


def run_large(opts, rows, epochs, torch_ok):
    """The 784-256-128-10 network in float32 and float64, its one-thread time, and the time
    against the number of rows."""
    threads, out = opts.threads, {}
    train = ["--rows", str(rows), "--epochs", str(epochs)]
    x_train = large_args(opts, rows, epochs)
    for dtype in ("f32", "f64"):
        say(f"large network, {dtype}: neurona, scikit-learn" + (", PyTorch" if torch_ok else ""))
        cases = [
            (f"large_{dtype}_neurona", lambda: rust(opts, "train", *x_train, "--dtype", dtype, "--predict", threads=threads)),
            (f"large_{dtype}_sklearn", lambda: python(opts, "sklearn-train", *train, "--dtype", dtype, "--predict", threads=threads)),
        ]
        if torch_ok:
            cases.append(
                (f"large_{dtype}_torch", lambda: python(opts, "torch-train", *train, "--dtype", dtype, "--predict", threads=threads))
            )
        out.update(side_by_side(opts, cases))
    say("large network, f32: neurona on one thread")
    out.update(side_by_side(opts, [("large_f32_neurona_1", lambda: rust(opts, "train", *x_train, "--dtype", "f32", threads=1))]))
    for n in [rows // 4, rows // 2, rows, rows * 2]:
        say(f"scaling: neurona on {n} rows")
        scaling = large_args(opts, n, max(1, epochs // 2))
        out.update(side_by_side(opts, [(f"scaling_{n}", lambda: rust(opts, "train", *scaling, threads=threads))]))
    return out


def run_digits(opts, py_neurona):
    """scikit-learn's default MLPClassifier() and the lbfgs one on digits: neurona from Rust and
    from Python, and scikit-learn."""
    threads, out = opts.threads, {}
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
        out.update(side_by_side(opts, cases))
    return out


def grid_max_iter(opts):
    return 20 if opts.quick else GRID_MAX_ITER


def run_grid(opts, py_neurona):
    """GridSearchCV over 12 settings, 3 folds, on digits: neurona.MLPClassifier against
    scikit-learn's, both under scikit-learn's GridSearchCV."""
    if not py_neurona:
        return {}
    say(f"grid search: GridSearchCV, {grid_settings()} settings x 3 folds, neurona and scikit-learn")
    grid = ["--max-iter", str(grid_max_iter(opts))]
    return side_by_side(
        opts,
        [
            ("grid_neurona", lambda: python(opts, "grid", *grid, "--library", "neurona", threads=opts.threads, interpreter=py_neurona)),
            ("grid_sklearn", lambda: python(opts, "grid", *grid, "--library", "sklearn", threads=opts.threads)),
        ],
    )


def grid_settings():
    settings = 1
    for values in GRID.values():
        settings *= len(values)
    return settings


def beside_a_busy_process(thunk):
    """Runs `thunk` while one other CPU-bound process (a Python busy loop) runs, started before
    and killed after."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)  # past the interpreter's start: the loop is spinning
        return thunk()
    finally:
        hog.kill()
        hog.wait()


def busy_cases(opts, rows, epochs, py_neurona):
    """neurona's cases for the busy-machine comparison: name -> f(threads), a fit alone."""
    x_train = large_args(opts, rows, epochs)
    grid = ["--max-iter", str(grid_max_iter(opts))]
    cases = {
        "digits adam (100)": lambda t: rust(opts, "digits", "--fit-only", threads=t),
        "digits adam (64, 32)": lambda t: rust(opts, "digits", "--hidden", "64,32", "--fit-only", threads=t),
        "digits lbfgs (100)": lambda t: rust(opts, "digits", "--solver", "lbfgs", "--fit-only", threads=t),
        f"large f32, {rows} x {epochs}": lambda t: rust(opts, "train", *x_train, "--dtype", "f32", threads=t),
        f"large f64, {rows} x {epochs}": lambda t: rust(opts, "train", *x_train, "--dtype", "f64", threads=t),
    }
    if py_neurona:
        cases["grid search (Python)"] = lambda t: python(
            opts, "grid", *grid, "--library", "neurona", threads=t, interpreter=py_neurona
        )
    return cases


def run_busy(opts, rows, epochs, py_neurona):
    """Each neurona case quiet on one thread, quiet on two, then on two beside a busy process,
    interleaved in each round."""
    out = {"busy_cases": []}
    for name, fit in busy_cases(opts, rows, epochs, py_neurona).items():
        say(f"busy machine: {name}, quiet 1 and 2 threads, then 2 threads beside a busy process")
        out["busy_cases"].append(name)
        out.update(
            side_by_side(
                opts,
                [
                    (f"busy|{name}|quiet_1", lambda: fit(1)),
                    (f"busy|{name}|quiet_2", lambda: fit(2)),
                    (f"busy|{name}|busy_2", lambda: beside_a_busy_process(lambda: fit(2))),
                ],
            )
        )
    return out


# ----------------------------------------------------------------------------- issue 14's targets


def gflops(r, key):
    """GFLOP/s of a neurona fit (the products' multiply-adds, twice each), or None."""
    n = r.get(key)
    if not n:
        return None
    if key.startswith("large_"):
        return flops_per_sample(UNITS) * r["rows"] * r["epochs"] / n["fit_seconds"] / 1e9
    if key.startswith("digits_"):
        evaluations = digits_evaluations(r, key.split("_")[1])
        return None if evaluations is None else DIGITS_FLOP_PER_PASS * evaluations / n["fit_seconds"] / 1e9
    return None


# One pass of the digits fit over its 1437 training rows: the 64-100-10 network's forward
# products, both weight gradients and the one delta handed down (none to the input), 31,600
# FLOP per row (Mlp::loss_and_gradient_sums: a forward product per layer, dense_activation_backward:
# the weight gradient always, the input gradient for the layers above the first).
DIGITS_FLOP_PER_PASS = flops_per_sample([64, 100, 10]) * 1437


def digits_evaluations(r, solver):
    """Passes over the training rows: epochs for adam; for lbfgs, objective evaluations, which
    scipy reports (line searches evaluate more than once per iteration). neurona's L-BFGS is
    scipy's L-BFGS-B step for step (its parity tests), so it makes the same evaluations when its
    iterations and final loss are scikit-learn's; None when they are not."""
    n, s = r.get(f"digits_{solver}_neurona"), r.get(f"digits_{solver}_sklearn")
    if not n:
        return None
    if solver != "lbfgs":
        return n["n_iter"]
    same = s and s.get("n_fev") and n["n_iter"] == s["n_iter"] and abs(n["loss"] - s["loss"]) <= 1e-6 * max(1, abs(s["loss"]))
    return s["n_fev"] if same else None


def issue14_targets(r):
    """Each of issue 14's targets: (target, measured, met or None where not measured)."""
    peak, out = r["peak"], []

    def fraction(key, dtype):
        rate = gflops(r, key)
        return None if rate is None else rate / peak[dtype]

    def speedup(case):
        n, s = r.get(f"{case}_neurona"), r.get(f"{case}_sklearn")
        return s["fit_seconds"] / n["fit_seconds"] if n and s else None

    f = fraction("digits_adam_neurona", "f64")
    out.append(
        (
            "digits, default MLPClassifier(): >= 60% of the float64 product rate (about 5x scikit-learn)",
            "n/a" if f is None else f"{f:.0%} ({gflops(r, 'digits_adam_neurona'):.0f} GFLOP/s; {speedup('digits_adam'):.1f}x faster)",
            None if f is None else f >= 0.60,
        )
    )
    x = speedup("digits_lbfgs")
    out.append(("digits, lbfgs: >= 10x faster than scikit-learn", "n/a" if x is None else f"{x:.1f}x", None if x is None else x >= 10))
    x = speedup("grid")
    out.append(("grid search: >= 4x faster end to end", "n/a" if x is None else f"{x:.1f}x", None if x is None else x >= 4))
    for dtype in ("f32", "f64"):
        f = fraction(f"large_{dtype}_neurona", dtype)
        out.append(
            (
                f"large network, {dtype}: >= 85% of the {dtype} product rate",
                f"{f:.0%} ({gflops(r, f'large_{dtype}_neurona'):.0f} GFLOP/s)",
                f >= 0.85,
            )
        )
    if r.get("busy_cases"):
        worst = max(r[f"busy|{c}|busy_2"]["fit_seconds"] / r[f"busy|{c}|quiet_1"]["fit_seconds"] for c in r["busy_cases"])
        out.append(
            (
                "beside one CPU-bound process, 2 threads: every case <= its quiet 1-thread time",
                f"worst busy-2 / quiet-1: {worst:.2f}",
                worst <= 1.0,
            )
        )
    else:
        out.append(("beside one CPU-bound process, 2 threads: every case <= its quiet 1-thread time", "not run (--busy)", None))
    return out


# ----------------------------------------------------------------------------- the table


def met_text(met):
    return "n/a" if met is None else ("met" if met else "**not met**")


def table(r, rows, epochs, torch_ok, opts):
    peak = r["peak"]
    out = [
        f"`{r['command']}` on {r['machine']}; {r['date']}; {r['threads']} threads unless noted; "
        f"best of {r['repeat']} runs per case; load average {r['load']['before'][0]:.2f} before, "
        f"{r['load']['after'][0]:.2f} after; the run took {r['seconds'] / 60:.1f} min.",
        f"Measured product rate (best 1536^3 GEMM, neurona's or numpy's OpenBLAS, {r['threads']} threads): "
        f"{peak['f32']:.0f} GFLOP/s float32, {peak['f64']:.0f} GFLOP/s float64 "
        f"(neurona {r['peak_neurona']['gflops_f32']:.0f}/{r['peak_neurona']['gflops_f64']:.0f}, "
        f"OpenBLAS {r['peak_numpy']['gflops_f32']:.0f}/{r['peak_numpy']['gflops_f64']:.0f}). "
        "\"of peak\" below is a fraction of that rate in the fit's dtype.",
        "",
        "Issue 14's targets:",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    out += [f"| {target} | {measured} | {met_text(met)} |" for target, measured, met in r["targets"]]
    out += [
        "",
        "| case | neurona | scikit-learn | neurona / sklearn | PyTorch | neurona / torch | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += table_large(r, rows, epochs)
    out += table_digits(r)
    out += table_grid(r)
    out += table_scaling(r)
    out += table_busy(r)
    return "\n".join(out)


NA = "n/a"


def ratio(a, b):
    return a / b if a and b else None


def three_libraries(n, s, t, key, fmt):
    """A table row's middle: `key` of neurona, scikit-learn and PyTorch (`t` may be None) in
    `fmt`, then neurona's ratio to each of the other two."""
    return (
        fmt.format(n[key]),
        fmt.format(s[key]),
        t and fmt.format(t[key]) or NA,
        fmt_ratio(ratio(n[key], s[key])),
        fmt_ratio(ratio(n[key], t and t[key])),
    )


def fmt_ratio(x):
    return NA if x is None else f"{x:.2f}"


def row(case, neurona, sklearn, torch, ratio_sk, ratio_torch, target, met):
    return f"| {case} | {neurona} | {sklearn} | {ratio_sk} | {torch} | {ratio_torch} | {target} | {met_text(met)} |"


def table_large(r, rows, epochs):
    peak, out = r["peak"], []
    for dtype in ("f32", "f64"):
        n, s = r[f"large_{dtype}_neurona"], r[f"large_{dtype}_sklearn"]
        t = r.get(f"large_{dtype}_torch")
        rs, rt = ratio(n["fit_seconds"], s["fit_seconds"]), ratio(n["fit_seconds"], t and t["fit_seconds"])
        rate = gflops(r, f"large_{dtype}_neurona")
        out.append(
            row(
                f"784-256-128-10 adam, {rows} rows x {epochs} epochs, {dtype}: fit (s) "
                f"[neurona {rate:.0f} GFLOP/s = {rate / peak[dtype]:.0%} of peak]",
                f"{n['fit_seconds']:.2f}",
                f"{s['fit_seconds']:.2f}",
                t and f"{t['fit_seconds']:.2f}" or NA,
                fmt_ratio(rs),
                fmt_ratio(rt),
                ">= 85% of peak (issue 14)",
                rate / peak[dtype] >= 0.85,
            )
        )
        pred_rate = flops_per_sample(UNITS, training=False) * rows / n["predict_seconds"] / 1e9
        out.append(
            row(
                f"predict_proba on the {rows} rows, {dtype} (s) [neurona {pred_rate:.0f} GFLOP/s = {pred_rate / peak[dtype]:.0%} of peak]",
                *three_libraries(n, s, t, "predict_seconds", "{:.3f}"),
                ">= 3x faster than sklearn (issue 5)" if dtype == "f32" else "",
                n["predict_seconds"] * 3 <= s["predict_seconds"] if dtype == "f32" else None,
            )
        )
        data_mb = rows * UNITS[0] * (4 if dtype == "f32" else 8) / 2**20
        out.append(
            row(
                f"peak RSS while training, {dtype} (MB; the data are {data_mb:.0f} MB)",
                *three_libraries(n, s, t, "max_rss_mb", "{:.0f}"),
                f"<= data + 100 = {data_mb + 100:.0f} (issue 5)",
                n["max_rss_mb"] <= data_mb + 100,
            )
        )
        accuracy = f"train accuracy neurona {n['train_accuracy']:.3f}, sklearn {s['train_accuracy']:.3f}"
        if t:
            accuracy += f", torch {t['train_accuracy']:.3f}"
        out.append(f"| ({dtype} {accuracy}) | | | | | | | |")
    one, two = r["large_f32_neurona_1"]["fit_seconds"], r["large_f32_neurona"]["fit_seconds"]
    out.append(
        row("neurona, large f32: 1 thread vs 2 (s)", f"{one:.2f} -> {two:.2f} ({one / two:.2f}x)", "", "", "", "", ">= 1.6x (issue 5)", one / two >= 1.6)
    )
    return out


def table_digits(r):
    peak, out = r["peak"], []

    def rate_text(rate):
        return NA if rate is None else f"{rate:.1f} GFLOP/s = {rate / peak['f64']:.0%} of peak"

    for solver, speedup in (("adam", None), ("lbfgs", 10)):
        n, s = r[f"digits_{solver}_neurona"], r[f"digits_{solver}_sklearn"]
        evaluations = digits_evaluations(r, solver)
        rate = gflops(r, f"digits_{solver}_neurona")
        passes = f"{evaluations} passes over the 1437 rows" if evaluations else "passes unknown"
        target = ">= 60% of the f64 peak (issue 14)" if speedup is None else f">= {speedup}x faster (issue 14)"
        title = f"digits MLPClassifier(solver='{solver}'): fit (s), {n['n_iter']} / {s['n_iter']} iterations, {passes}"
        for label, cell in ((title, n), ("... the same from Python (neurona package)", r.get(f"digits_{solver}_neurona_py"))):
            if not cell:
                continue
            rs = ratio(cell["fit_seconds"], s["fit_seconds"])
            cell_rate = None if rate is None else rate * n["fit_seconds"] / cell["fit_seconds"]
            met = (cell_rate is not None and cell_rate / peak["f64"] >= 0.60) if speedup is None else 1 / rs >= speedup
            out.append(
                row(
                    f"{label}; test accuracy {cell['test_accuracy']:.3f} / {s['test_accuracy']:.3f} "
                    f"[neurona {rate_text(cell_rate)}]",
                    f"{cell['fit_seconds']:.3f}",
                    f"{s['fit_seconds']:.3f}",
                    NA,
                    f"{fmt_ratio(rs)} ({1 / rs:.1f}x faster)",
                    NA,
                    target,
                    met,
                )
            )
    n, s = r["digits_adam_neurona"]["predict_one"], r["digits_adam_sklearn"]["predict_one"]
    py = r.get("digits_adam_neurona_py")
    out.append(
        row(
            "predict one digits sample (µs): Rust predict_into / Rust predict, vs sklearn predict",
            f"{n['predict_into'] * 1e6:.1f} / {n['predict'] * 1e6:.1f}",
            f"{s * 1e6:.0f}",
            NA,
            fmt_ratio(ratio(n["predict"], s)),
            NA,
            "<= 5 µs from Rust (issue 5)",
            n["predict_into"] <= 5e-6,
        )
    )
    out.append(
        row(
            "predict one digits sample from Python (µs): neurona package vs sklearn",
            f"{py['predict_one'] * 1e6:.1f}" if py else NA,
            f"{s * 1e6:.0f}",
            NA,
            fmt_ratio(ratio(py and py["predict_one"], s)),
            NA,
            ">= 10x faster than sklearn (issue 5)",
            None if not py else py["predict_one"] * 10 <= s,
        )
    )
    return out


def table_grid(r):
    n, s = r.get("grid_neurona"), r.get("grid_sklearn")
    if not (n and s):
        return []
    rs = ratio(n["fit_seconds"], s["fit_seconds"])
    scores = max(abs(a - b) for a, b in zip(n["mean_test_score"], s["mean_test_score"]))
    return [
        row(
            f"GridSearchCV over {n['settings']} MLPClassifier settings x 3 folds on digits, max_iter={n['max_iter']}: "
            f"end to end (s)",
            f"{n['fit_seconds']:.2f}",
            f"{s['fit_seconds']:.2f}",
            NA,
            f"{fmt_ratio(rs)} ({1 / rs:.1f}x faster)",
            NA,
            ">= 4x faster (issue 14)",
            1 / rs >= 4,
        ),
        f"| (best: neurona {n['best_params']} at {n['best_score']:.4f}, sklearn {s['best_params']} at "
        f"{s['best_score']:.4f}; mean CV scores of the 12 settings differ by at most {scores:.4f}) | | | | | | | |",
    ]


def table_scaling(r):
    out = ["", "Training time against rows (neurona, float32, same network; time per epoch):", ""]
    out += ["| rows | s per epoch | µs per row |", "|---|---|---|"]
    for key in sorted((k for k in r if k.startswith("scaling_")), key=lambda k: int(k.split("_")[1])):
        n = r[key]
        per_epoch = n["fit_seconds"] / n["n_iter"]
        out.append(f"| {n['rows']} | {per_epoch:.3f} | {per_epoch / n['rows'] * 1e6:.2f} |")
    return out


def table_busy(r):
    if not r.get("busy_cases"):
        return []
    minutes = r.get("section_seconds", {}).get("busy", 0) / 60
    out = ["", f"neurona beside one CPU-bound process (a Python busy loop), fit times in seconds (this part of the run: {minutes:.1f} min):", ""]
    out += [
        "| case | quiet, 1 thread | quiet, 2 threads | busy, 2 threads | busy 2 / quiet 1 | busy 2 <= quiet 1 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name in r["busy_cases"]:
        one, two, busy = (r[f"busy|{name}|{mode}"]["fit_seconds"] for mode in ("quiet_1", "quiet_2", "busy_2"))
        out.append(f"| {name} | {one:.3f} | {two:.3f} | {busy:.3f} | {busy / one:.2f} | {met_text(busy <= one)} |")
    return out


if __name__ == "__main__":
    main()

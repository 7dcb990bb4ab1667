"""Where a fit's time goes: products, elementwise passes, the optimizer, the thread team's waits
and the rest, from `perf record` samples of the Rust bench binary (issue 14's profile).

Run through scripts/profile, which builds crates/neurona/examples/bench.rs and the data first.
Each case runs once under `perf record --call-graph dwarf` (call stacks unwound from the
binary's unwind tables, so no frame pointers or debug information are needed); `perf script`
prints every sample's stack, and each sample is put in one category by its stack.

Which samples count: every sample of the helper threads (`neurona-*`: they run only the fit's
split loops, and park 1 ms after the last), and those of the main thread whose stack passes
through the fit (an estimator's `neurona::estimators::...::fit`, the bench's `timed_fit` into
which that is inlined, or the training loop `neurona::train::...`), so that reading the data,
the digits case's one-row predictions and the process's start are left out.

How a sample is classified: its stack is read from the innermost frame outwards, skipping the
frames that say nothing of their caller's purpose (the standard library, `core` and `alloc`,
libc and the dynamic loader, the kernel, unresolved addresses, and the `with_avx2` wrapper that
only switches on AVX2 for the closure it runs); the first other frame decides:

- **products**: the GEMM, that is `neurona::linalg` (the product entry points, the blocks cut
  for the threads, the packing and the kernels) and, for a binary built before neurona had its
  own GEMM (`--bin`), the `gemm` crates it used (`gemm`, `gemm_common`, `gemm_f32`, `gemm_f64`,
  and `dyn_stack`, whose buffers held the packed operands), but for the three below. A `malloc` or a page fault inside a product counts as the product's.
- **team wait**: `neurona::linalg::team` itself (a helper spinning or parking between jobs, the
  caller waiting for a helper's part, claiming parts): time the threads spend not computing.
  A helper's sample with no deciding frame at all counts here too: the team's loop is often
  inlined into the standard library's thread start, and then shows no frame of its own (such
  samples counted as "rest", under `__rust_begin_short_backtrace`, after the GEMM's merge).
- **elementwise**: `neurona::activation`, `neurona::loss`, `neurona::network` (the layers'
  bias + activation and derivative passes, the output head's softmax, loss and delta, column
  sums, the forward and backward passes' own code between products) and the L2 penalty
  (`neurona::linalg::sum_of_squares`), and libm's `exp`, `log`, `tanh` family.
- **optimizer**: `neurona::optim` (Adam, SGD, L-BFGS's vector work) and
  `neurona::train::optimizer` (the solver's state handed to them). The optimizers' updates run
  inside `with_avx2`'s `compiled`, one symbol for every closure it runs (its name does not say
  whose), and are often inlined into the epoch loop; so an AVX2 pass whose first deciding frame
  is `neurona::train` (inlined into the epoch loop) or the team (run as a piece on a helper or
  the caller) counts as the optimizer's: in an MLP fit nothing else runs that way (the other
  AVX2 passes, the gradient's scaling and the penalty, sit under `neurona::network`). Check
  this when a change adds an AVX2 pass to `neurona::train`.
- **rest**: anything else: the epoch loop in `neurona::train` (the shuffle and the batch
  gather, the stopping rule, the report), input checks (`neurona::data`), label encoding...
  Its largest symbols are listed so that the rest is never a black box.

Shares are of the sampled CPU time, weighted by each sample's period: over all threads (where
the CPU time went) and over the main thread alone (whose busy time is close to the wall time of
the fit, since the fit runs on it from start to end).
"""

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict

CATEGORIES = ("products", "elementwise", "optimizer", "team wait", "rest")

# Frames that do not say what their caller does: passed over on the way out of the stack.
GENERIC_PREFIXES = ("core::", "std::", "alloc::", "<core::", "<std::", "<alloc::", "[unknown]", "__rust")
# "inlined" is perf's name for the frames of a function inlined into another (libc's memcpy into
# its own entry points, say): a neurona or gemm function inlined is still known by its name.
GENERIC_DSOS = ("libc.so", "libc-", "ld-linux", "[kernel", "libgcc", "libpthread", "[vdso]", "inlined")
LIBM = re.compile(r"^(__ieee754_|__GI___|__)?(exp|expf|log|logf|tanh|tanhf|exp2|pow|log1p|expm1)(_fma|_avx2|_fma4)?(@.*)?$")


def classify_symbol(symbol, dso):
    """The category a frame decides, or None for a frame that is passed over."""
    name = symbol.lstrip("<")
    if LIBM.match(symbol):
        return "elementwise"
    if name.startswith("neurona::linalg::with_avx2") or name.startswith("neurona::linalg::return_compiled_for"):
        return None
    if name.startswith("neurona::linalg::team"):
        return "team wait"
    if name.startswith("neurona::linalg::sum_of_squares"):
        return "elementwise"
    if name.startswith(("neurona::linalg", "dyn_stack::")) or re.match(r"gemm(_common|_f32|_f64|_f16|_c32|_c64)?::", name):
        return "products"
    if name.startswith(("neurona::activation", "neurona::loss", "neurona::network")):
        return "elementwise"
    if name.startswith(("neurona::optim", "neurona::train::optimizer")):
        return "optimizer"
    if symbol.startswith(GENERIC_PREFIXES) or any(d in dso for d in GENERIC_DSOS):
        return None
    return "rest"


def samples(lines):
    """(thread name, period, [(symbol, dso), ...] innermost first) for each sample of
    `perf script -F comm,tid,period,ip,sym,dso` output."""
    head, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head[0], head[1], frames
            head, frames = None, []
        elif not line[0].isspace():
            parts = line.split()
            period = int(parts[-1]) if parts[-1].isdigit() else 1
            head = (parts[0], period)
        else:
            match = re.match(r"\s*[0-9a-f]+ (.*) \((.*)\)$", line)
            if match:
                frames.append((re.sub(r"\+0x[0-9a-f]+$", "", match.group(1).strip()), match.group(2)))
    if head:
        yield head[0], head[1], frames


# The estimator's `fit` is generic and is often inlined into the bench binary's `timed_fit`
# (whose frame then stands for it), and the epoch loop into that: any of the three marks a
# sample of the fit. Matching the estimator's frame alone counted no main-thread sample at all.
FIT_FRAME = re.compile(r"neurona::estimators::.*::fit|bench::timed_fit|neurona::train::")


def classify(perf_script_lines, main_thread):
    """Sums of periods by category, for all threads and for the main thread, and the leading
    symbols of each category."""
    totals = {"all": Counter(), "main": Counter()}
    symbols = defaultdict(Counter)
    for comm, period, frames in samples(perf_script_lines):
        on_main = comm == main_thread
        if on_main and not any(FIT_FRAME.search(s) for s, _ in frames):
            continue
        if not on_main and not comm.startswith("neurona-"):
            continue
        category, deciding = "rest", frames[0][0] if frames else "[no stack]"
        if not on_main:
            # A helper runs only the team's loop and the parts it is handed; the loop may be
            # inlined into the thread's start (`std::sys::backtrace::__rust_begin_short_backtrace`),
            # leaving no frame of the team's: such a sample is the helper waiting for a job.
            category, deciding = "team wait", "neurona::linalg::team (helper loop, inlined into the thread start)"
        in_avx2 = False
        for symbol, dso in frames:
            found = classify_symbol(symbol, dso)
            in_avx2 = in_avx2 or symbol.startswith("neurona::linalg::with_avx2")
            if found:
                category, deciding = found, symbol
                if in_avx2 and (found == "team wait" or symbol.lstrip("<").startswith("neurona::train")):
                    # An AVX2 pass run as a team's piece or inlined into the epoch loop: in an
                    # MLP fit, only the optimizers' updates are (see the module's docs).
                    category, deciding = "optimizer", "neurona::linalg::with_avx2::compiled (optimizer update)"
                break
        totals["all"][category] += period
        if on_main:
            totals["main"][category] += period
        symbols[category][short(deciding)] += period
    return totals, symbols


def short(symbol):
    """A symbol without its generic arguments and hash, so that instances add up (the
    `<Type as Trait>` form of a trait method is kept)."""
    symbol = re.sub(r"(::h[0-9a-f]{16})?(\+0x[0-9a-f]+)?$", "", symbol)
    while True:
        shorter = re.sub(r"(?<=\w)<[^<>]*>", "", symbol)
        if shorter == symbol:
            return symbol
        symbol = shorter


def record(binary, case_args, frequency, output):
    command = ["perf", "record", "-q", "-F", str(frequency), "--call-graph", "dwarf,16384", "-o", output, "--"]
    subprocess.run([*command, binary, *case_args], check=True, stdout=subprocess.PIPE)
    script = subprocess.run(
        ["perf", "script", "-i", output, "-F", "comm,tid,period,ip,sym,dso"],
        check=True,
        capture_output=True,
        text=True,
    )
    return script.stdout.splitlines()


def report(name, totals, symbols, top):
    lines = [f"### {name}", ""]
    lines.append("| share of | samples | " + " | ".join(CATEGORIES) + " |")
    lines.append("|---|---:|" + "---:|" * len(CATEGORIES))
    for scope, label in (("all", "CPU time, all threads"), ("main", "main thread (about the wall time)")):
        total = sum(totals[scope].values()) or 1
        shares = " | ".join(f"{totals[scope][c] / total:.0%}" for c in CATEGORIES)
        lines.append(f"| {label} | {total / 1e9:.2f} s | {shares} |")
    lines.append("")
    for category in CATEGORIES:
        total = sum(totals["all"].values()) or 1
        leading = ", ".join(f"`{s}` {p / total:.1%}" for s, p in symbols[category].most_common(top))
        lines.append(f"- {category}: {leading or 'none'}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the Rust bench binary (examples/bench)")
    parser.add_argument("--data", default="target/bench-data", help="X.npy and y.npy of scripts/bench")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of the large network")
    parser.add_argument("--rows", type=int, default=60000, help="rows of the large network")
    parser.add_argument("--cases", default="digits,digits-lbfgs,large-f32,large-f64")
    parser.add_argument("--frequency", type=int, default=2000, help="samples per second per thread")
    parser.add_argument("--top", type=int, default=4, help="leading symbols listed per category")
    parser.add_argument("--json", help="also write the shares to this file")
    parser.add_argument("--perf-data", default="/tmp/neurona-profile.data")
    opts = parser.parse_args()
    threads = ["--threads", str(opts.threads)]
    data = ["--x", f"{opts.data}/X.npy", "--y", f"{opts.data}/y.npy", "--rows", str(opts.rows)]
    large = [*data, "--epochs", str(opts.epochs)]
    cases = {
        "digits": ("digits, default MLPClassifier() (adam, 200 epochs)", ["digits", "--solver", "adam"]),
        "digits-lbfgs": ("digits, MLPClassifier(solver='lbfgs')", ["digits", "--solver", "lbfgs"]),
        "large-f32": (
            f"784-256-128-10, {opts.rows} rows x {opts.epochs} epochs, float32",
            ["train", *large, "--dtype", "f32"],
        ),
        "large-f64": (
            f"784-256-128-10, {opts.rows} rows x {opts.epochs} epochs, float64",
            ["train", *large, "--dtype", "f64"],
        ),
    }
    results = {}
    for key in opts.cases.split(","):
        if key not in cases:
            sys.exit(f"profile: unknown case '{key}' (known: {', '.join(cases)})")
        title, args = cases[key]
        print(f"profiling {key}...", file=sys.stderr, flush=True)
        lines = record(opts.bin, [*args, *threads], opts.frequency, opts.perf_data)
        totals, symbols = classify(lines, main_thread=opts.bin.rsplit("/", 1)[-1][:15])
        results[key] = {scope: dict(t) for scope, t in totals.items()}
        print(report(f"{title}, {opts.threads} threads", totals, symbols, opts.top))
        print()
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

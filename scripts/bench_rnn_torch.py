"""The PyTorch side of the recurrent benchmark of issue 11: seconds per training epoch of
nn.LSTM, nn.GRU and nn.RNN(tanh) on the CPU.

Usage:  /path/to/torch-venv/bin/python scripts/bench_rnn_torch.py [--cells lstm gru rnn]
            [--threads 1 2] [--repeat 3] [--data DIR] [--native]
        (a venv with torch and numpy, outside the repository; a measurement, not a test: no test
        and no CI job runs it)

Workload: 10,000 sequences x 50 steps x 8 features, float32, drawn from a fixed seed (or read
from DIR/X.npy (n, steps, features) float32 and DIR/y.npy (n,) integer labels, so that another
implementation can train on the same arrays; --write-data DIR writes them). Label: the sign of
the first feature at the first step (a memory task). Network: one recurrent layer, hidden 64,
batch_first, its h_n feeding a Linear(64, 2) head; cross-entropy; torch.optim.Adam(lr=1e-3);
batches of 64 as consecutive slices (no shuffle: the shuffle's cost is not what is measured);
equal lengths, so the float32 LSTM takes PyTorch's oneDNN kernel unless --native disables
oneDNN (torch.backends.mkldnn), which sends it down the step-by-step loop that GRU, RNN and
every packed (unequal-length) batch take.

Timing: for each cell and each thread count (torch.set_num_threads), one warm-up epoch, then
--repeat timed epochs (wall clock, time.perf_counter); the best of them is reported, since this
shared machine's speed wanders from one second to the next. Each timed epoch continues training
the same model (the arithmetic per epoch does not depend on the weights). Output: one JSON line
per cell and thread count,
  {"impl": "torch", "cell": "lstm", "threads": 1, "seconds_per_epoch": best, "runs": [...],
   "warmup_epochs": 1, "torch": version, "onednn": bool}
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

N_SEQUENCES, N_STEPS, N_FEATURES, HIDDEN, BATCH, N_CLASSES = 10_000, 50, 8, 64, 64, 2
SEED = 0
MODULES = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


def make_data(seed=SEED):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N_SEQUENCES, N_STEPS, N_FEATURES), dtype=np.float32)
    y = (x[:, 0, 0] > 0).astype(np.int64)
    return x, y


def load_data(folder):
    x = np.load(os.path.join(folder, "X.npy"))
    y = np.load(os.path.join(folder, "y.npy")).astype(np.int64)
    if x.ndim != 3 or x.dtype != np.float32 or y.shape != (x.shape[0],):
        sys.exit("%s: expected X.npy (n, steps, features) float32 and y.npy (n,), got %s %s and %s"
                 % (folder, x.shape, x.dtype, y.shape))
    return x, y


class Model(torch.nn.Module):
    def __init__(self, cell, n_features):
        super().__init__()
        kwargs = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        self.rnn = MODULES[cell](n_features, HIDDEN, batch_first=True, **kwargs)
        self.head = torch.nn.Linear(HIDDEN, N_CLASSES)

    def forward(self, x):
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state
        return self.head(h_n[-1])


def run_epoch(model, optimizer, x, y):
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, len(x), BATCH):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[start:start + BATCH]), y[start:start + BATCH])
        loss.backward()
        optimizer.step()
    return float(loss.detach())


def measure(cell, threads, x, y, repeat):
    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    model = Model(cell, x.shape[2])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    run_epoch(model, optimizer, x, y)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        run_epoch(model, optimizer, x, y)
        runs.append(time.perf_counter() - start)
    return {"impl": "torch", "cell": cell, "threads": threads, "seconds_per_epoch": round(min(runs), 4),
            "runs": [round(r, 4) for r in runs], "warmup_epochs": 1, "torch": torch.__version__,
            "onednn": torch.backends.mkldnn.enabled}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", nargs="+", choices=sorted(MODULES), default=["lstm", "gru", "rnn"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", help="read X.npy and y.npy from this folder")
    parser.add_argument("--write-data", help="write the generated X.npy and y.npy into this folder and exit")
    parser.add_argument("--native", action="store_true", help="disable oneDNN (PyTorch's step-by-step LSTM)")
    args = parser.parse_args()
    x, y = load_data(args.data) if args.data else make_data()
    if args.write_data:
        os.makedirs(args.write_data, exist_ok=True)
        np.save(os.path.join(args.write_data, "X.npy"), x)
        np.save(os.path.join(args.write_data, "y.npy"), y)
        return
    if args.native:
        torch.backends.mkldnn.enabled = False
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
    for threads in args.threads:
        for cell in args.cells:
            print(json.dumps(measure(cell, threads, x_t, y_t, args.repeat)), flush=True)


if __name__ == "__main__":
    main()

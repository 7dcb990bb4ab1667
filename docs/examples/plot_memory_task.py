"""
Recurrent networks on the memory task: Elman, LSTM and GRU
==========================================================

The course's memory task: a sequence's label is the sign of its *first* step, and every later
step is noise of the same size. To answer, a recurrent network must carry one number from the
first step to the last, and the gradient must flow back through every step in between; the
longer the sequence, the harder for the gradient (the vanishing gradient, through time).

We train neurona's ``RNNClassifier`` with each cell on short and longer sequences (600 training
and 200 test sequences, kept short so that it runs in seconds) and plot the training loss per
epoch and the test accuracy. A loss stuck at log 2 ≈ 0.693 is the plateau at chance. Which cell
escapes it, and when, depends on the initialisation and the learning rate as much as on the
cell: the table in :doc:`/guide/recurrent`, measured at 30, 60 and 100 steps, shows each cell
failing somewhere.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

from neurona import RNNClassifier


def memory_task(n_sequences, n_steps, seed):
    """Sequences of one feature: the first step is +1 or -1 (the label), the others uniform
    noise in [-1, 1]."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n_sequences)
    X = rng.uniform(-1, 1, size=(n_sequences, n_steps, 1))
    X[:, 0, 0] = 2.0 * y - 1
    return X, y


lengths = [10, 30]
cells = ["rnn", "lstm", "gru"]
fig, axes = plt.subplots(1, len(lengths), figsize=(11, 4), sharey=True)
for ax, n_steps in zip(axes, lengths):
    X_train, y_train = memory_task(600, n_steps, seed=0)
    X_test, y_test = memory_task(200, n_steps, seed=1)
    for cell in cells:
        # The guide's settings (guide/recurrent.rst): 16 units, Adam at 0.01 on batches of 32, 80 epochs, no stopping.
        clf = RNNClassifier(
            cell=cell,
            hidden_size=16,
            learning_rate_init=0.01,
            batch_size=32,
            max_iter=80,
            n_iter_no_change=np.inf,
            random_state=0,
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 80 epochs, run to the end: ConvergenceWarning
            clf.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        accuracy = clf.score(X_test, y_test)
        ax.plot(clf.loss_curve_, label=f"{cell}: test accuracy {accuracy:.2f}")
        print(f"{n_steps} steps, {cell:>4}: test accuracy {accuracy:.3f}, {clf.n_iter_} epochs in {seconds:.2f} s")
    ax.axhline(np.log(2), color="0.6", ls="--", lw=0.8)
    ax.set_title(f"{n_steps} steps")
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("training loss (log loss)")
fig.tight_layout()
plt.show()

"""
Dying ReLU: the share of dead units against the learning rate
=============================================================

A ReLU unit whose weighted sum is negative for every input outputs 0 everywhere, and its
derivative there is 0: no gradient reaches its weights again, and it is dead for good. A large
learning rate makes big steps that can push many units there at once.

We train the same ReLU network on the digits with Adam at increasing learning rates and count,
after training, the hidden units that are zero on every training row, computing the hidden
activations from the fitted ``coefs_`` and ``intercepts_``.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from neurona import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
rates = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
seeds = [0, 1]


def dead_share(net, X):
    """The share of hidden units that output 0 on every row."""
    a, dead, total = X, 0, 0
    for W, b in zip(net.coefs_[:-1], net.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0)
        dead += int(np.sum(np.all(a == 0, axis=0)))
        total += a.shape[1]
    return dead / total


shares, accuracies = [], []
for rate in rates:
    share, accuracy = [], []
    for seed in seeds:
        net = MLPClassifier(hidden_layer_sizes=(100,), learning_rate_init=rate, max_iter=20, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 20 epochs do not converge: ConvergenceWarning
            net.fit(X, y)
        share.append(dead_share(net, X))
        accuracy.append(net.score(X, y))
    shares.append(np.mean(share))
    accuracies.append(np.mean(accuracy))
    print(f"learning rate {rate:<6} dead units {shares[-1]:.0%}  training accuracy {accuracies[-1]:.3f}")

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogx(rates, np.array(shares) * 100, "o-", color="tab:red")
ax.set_xlabel("learning_rate_init (adam)")
ax.set_ylabel("dead hidden units (%)", color="tab:red")
ax2 = ax.twinx()
ax2.semilogx(rates, accuracies, "s--", color="tab:blue")
ax2.set_ylabel("training accuracy", color="tab:blue")
ax.set_title("ReLU units that never fire after 20 epochs on digits\n(100 hidden units, mean of 2 seeds)")
fig.tight_layout()
plt.show()

# %%
# Some units are dead even at the smallest rate, but their share climbs steeply with the
# rate. The network keeps fitting the training
# set with the units it has left, until at the largest rate too few remain and the accuracy
# falls.

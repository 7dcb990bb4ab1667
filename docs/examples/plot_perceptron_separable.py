"""
The perceptron on separable and non-separable data
==================================================

A single neuron with a threshold draws a straight line. When the classes can be split by one,
the perceptron rule finds such a line in a few epochs and stops making mistakes; when they
cannot (XOR is the classic case), it never settles, and no line does better than chance on
XOR. A network with one hidden layer draws the curved boundary that XOR needs.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs

from neurona import MLPClassifier, Perceptron

rng = np.random.default_rng(0)
separable = make_blobs(n_samples=200, centers=[(-2, -2), (2, 2)], cluster_std=1.0, random_state=0)
corners = rng.uniform(-1, 1, size=(200, 2))
xor = (corners, (corners[:, 0] * corners[:, 1] > 0).astype(int))

xx, yy = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-5, 5, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
cases = [
    (axes[0], separable, Perceptron(random_state=0), "perceptron, separable blobs", 5),
    (axes[1], xor, Perceptron(random_state=0), "perceptron, XOR", 1.2),
    (axes[2], xor, MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0), "MLP (8 hidden), XOR", 1.2),
]
for ax, (X, y), clf, title, extent in cases:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    zz = clf.predict(grid * extent / 5).reshape(xx.shape)
    ax.contourf(xx * extent / 5, yy * extent / 5, zz, alpha=0.3, cmap="coolwarm")
    ax.scatter(*X.T, c=y, cmap="coolwarm", edgecolors="k", s=15)
    epochs = f", {clf.n_iter_} epochs" if isinstance(clf, Perceptron) else ""
    ax.set_title(f"{title}\naccuracy {clf.score(X, y):.2f}{epochs}")
    print(f"{title}: training accuracy {clf.score(X, y):.3f}{epochs}")
fig.tight_layout()
plt.show()

# %%
# The mistakes per epoch tell the same story: one ``partial_fit`` is one epoch of the
# perceptron rule. On separable data they fall to zero; on XOR they never do.
fig, ax = plt.subplots(figsize=(6, 3.5))
for (X, y), name in [(separable, "separable"), (xor, "XOR")]:
    clf = Perceptron(random_state=0)
    mistakes = []
    for epoch in range(30):
        clf.partial_fit(X, y, classes=[0, 1])
        mistakes.append(int(np.sum(clf.predict(X) != y)))
    ax.plot(np.arange(1, 31), mistakes, "o-", ms=3, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training mistakes after the epoch")
ax.legend()
plt.show()

"""
``alpha`` against decision boundaries
=====================================

``alpha`` is the strength of the L2 penalty on the weights (``alpha / 2 · ||W||²``, divided by
the number of samples). A small one lets a large network bend its boundary around every noisy
point; a larger one keeps the weights small and the boundary smooth; too large, and the network
can no longer follow the data at all.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from neurona import MLPClassifier

X, y = make_moons(n_samples=300, noise=0.3, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
(x_min, y_min), (x_max, y_max) = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
xx, yy = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
grid = np.c_[xx.ravel(), yy.ravel()]

alphas = [1e-5, 1e-2, 1.0, 10.0]
fig, axes = plt.subplots(1, len(alphas), figsize=(14, 3.8), sharey=True)
for ax, alpha in zip(axes, alphas):
    clf = MLPClassifier(hidden_layer_sizes=(100, 100), alpha=alpha, solver="lbfgs", max_iter=2000, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X_train, y_train)
    proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=20, cmap="RdBu", alpha=0.8)
    ax.scatter(*X_train.T, c=y_train, cmap="RdBu", edgecolors="k", s=18)
    ax.scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolors="k", marker="^", s=18, alpha=0.6)
    weights = sum(float(np.sum(W**2)) for W in clf.coefs_)
    ax.set_title(f"alpha={alpha:g}\ntest {clf.score(X_test, y_test):.2f}, ||W||² = {weights:.0f}")
    ax.set_xticks(())
    ax.set_yticks(())
fig.tight_layout()
plt.show()

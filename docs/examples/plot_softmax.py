"""
Softmax: from scores to probabilities
=====================================

A multiclass network's output layer computes one score per class (its weighted sums, or
*logits*) and turns them into probabilities with softmax,
``p_k = exp(z_k) / sum_j exp(z_j)``: every probability is positive and they sum to 1, and a
class's probability grows with its score's lead over the others. Trained with the log loss
(cross-entropy), the output delta is simply ``p - y``.

We fit a classifier on two features of the iris flowers, recompute its scores from ``coefs_``
and ``intercepts_``, apply softmax by hand, and compare with ``predict_proba``; then we map each
class's probability over the plane.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from neurona import MLPClassifier

iris = load_iris()
X = StandardScaler().fit_transform(iris.data[:, 2:])  # petal length and width
y = iris.target
clf = MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0, max_iter=1000, random_state=0).fit(X, y)


def logits(clf, X):
    """The output layer's scores, from the fitted weights (ReLU hidden layer)."""
    hidden = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    return hidden @ clf.coefs_[1] + clf.intercepts_[1]


z = logits(clf, X)
p = np.exp(z - z.max(axis=1, keepdims=True))  # shifting by the max changes nothing but overflow
p /= p.sum(axis=1, keepdims=True)
assert np.allclose(p, clf.predict_proba(X), atol=1e-12)
print("largest difference from predict_proba:", np.abs(p - clf.predict_proba(X)).max())

fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), gridspec_kw={"width_ratios": [1.1, 1, 1, 1]})
sample = 70  # a versicolor flower near the virginica border
axes[0].bar(np.arange(3) - 0.2, z[sample], width=0.4, label="score z")
axes[0].bar(np.arange(3) + 0.2, p[sample], width=0.4, label="softmax(z)")
axes[0].set_xticks(range(3), iris.target_names)
axes[0].set_title(f"flower {sample}: scores and probabilities")
axes[0].legend()
xx, yy = np.meshgrid(np.linspace(-2, 2.2, 150), np.linspace(-2, 2.2, 150))
proba = clf.predict_proba(np.c_[xx.ravel(), yy.ravel()])
for k, ax in enumerate(axes[1:]):
    im = ax.contourf(xx, yy, proba[:, k].reshape(xx.shape), levels=np.linspace(0, 1, 11), cmap="viridis")
    ax.scatter(*X.T, c=(y == k), cmap="gray", edgecolors="w", s=12)
    ax.set_title(f"P({iris.target_names[k]})")
    ax.set_xticks(())
    ax.set_yticks(())
fig.colorbar(im, ax=axes[1:], shrink=0.8)
plt.show()

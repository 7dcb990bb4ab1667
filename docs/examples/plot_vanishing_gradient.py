"""
The vanishing gradient: sigmoid against ReLU in a deep network
==============================================================

Back-propagation multiplies the error by each layer's weights and by each activation's
derivative on its way down. The logistic function's derivative is at most 0.25, so in a deep
network of logistic units the gradient reaching the first layers is orders of magnitude smaller
than at the top, and they barely learn. ReLU's derivative is 1 wherever a unit is active, so the
gradient keeps its size.

Plain full-batch gradient descent (``solver="sgd"``, no momentum, no penalty, one batch of all
rows) changes each weight matrix by the learning rate times its gradient, so each epoch's
``partial_fit`` tells us the gradient norm of every layer: ``||ΔW|| / learning_rate``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.preprocessing import StandardScaler

from neurona import MLPClassifier

X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
X = StandardScaler().fit_transform(X)
depth, width, rate, epochs = 8, 16, 0.05, 40

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, activation in zip(axes, ["logistic", "relu"]):
    clf = MLPClassifier(
        hidden_layer_sizes=(width,) * depth,
        activation=activation,
        solver="sgd",
        learning_rate_init=rate,
        momentum=0.0,
        alpha=0.0,
        batch_size=len(X),
        random_state=0,
    )
    norms = []
    for epoch in range(epochs):
        before = [c.copy() for c in clf.coefs_] if epoch else None
        clf.partial_fit(X, y, classes=[0, 1])
        if before is not None:
            norms.append([np.linalg.norm(a - b) / rate for a, b in zip(clf.coefs_, before)])
    norms = np.array(norms)
    for layer in range(norms.shape[1]):
        ax.semilogy(norms[:, layer], color=plt.cm.viridis(layer / norms.shape[1]), label=f"layer {layer + 1}")
    ax.set_title(f"{activation}: gradient norm of each layer's weights")
    ax.set_xlabel("epoch")
    print(f"{activation}: first layer / last layer gradient norm = {norms[-1, 0] / norms[-1, -1]:.2e}")
axes[0].set_ylabel("||dLoss/dW||")
axes[1].legend(fontsize=7, ncol=2)
fig.tight_layout()
plt.show()

# %%
# With logistic units the first layer's gradient is several orders of magnitude below the last
# layer's; with ReLU the layers' gradients stay within a small factor of each other.

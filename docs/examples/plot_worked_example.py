"""
The worked 2-2-2 example, step by step
======================================

The course's worked example: a network of two inputs, two logistic hidden neurons and two
logistic outputs, with the weights ``w1 ... w8`` and biases 0.35 and 0.60, trained on one sample
(inputs 0.05 and 0.10) for one step of gradient descent at rate 0.5. The forward pass sums each
neuron's weighted inputs plus its bias and squashes the sum; the backward pass applies the chain
rule, layer by layer.

We trace it by hand with numpy, then let neurona take the same step. neurona pairs logistic
outputs with the log loss (as scikit-learn does), whose output delta is simply
``out - target``; with the course's squared error it is ``(out - target) * out * (1 - out)``.
Both are traced below, and neurona's updated weights equal the hand-computed ones. The command
``neurona trace`` prints the squared-error trace with every intermediate.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from neurona import MLPClassifier

x = np.array([0.05, 0.10])
W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # (fan_in, fan_out): w1, w3 / w2, w4
b1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.50], [0.45, 0.55]])  # w5, w7 / w6, w8
b2 = np.array([0.60, 0.60])
rate = 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# %%
# The forward pass
# ----------------
net_h = x @ W1 + b1
out_h = sigmoid(net_h)
net_o = out_h @ W2 + b2
out_o = sigmoid(net_o)
print("net_h =", net_h, " out_h =", out_h)
print("net_o =", net_o, " out_o =", out_o)

# %%
# The backward pass, with the course's squared error
# --------------------------------------------------
# ``E = 1/2 sum (target - out)^2`` with targets 0.01 and 0.99.
target = np.array([0.01, 0.99])
print("E_total =", 0.5 * np.sum((target - out_o) ** 2))
delta_o = (out_o - target) * out_o * (1 - out_o)
dW2 = np.outer(out_h, delta_o)
delta_h = (delta_o @ W2.T) * out_h * (1 - out_h)
dW1 = np.outer(x, delta_h)
print("dE/dw5, dE/dw6 =", dW2[:, 0])
print("updated w5..w8 =", (W2 - rate * dW2).T.ravel())
print("updated w1..w4 =", (W1 - rate * dW1).T.ravel())

# %%
# The same step in neurona, with the log loss
# -------------------------------------------
# A multi-label classifier has one logistic output per label. We fit it once to build it,
# put the course's weights into ``coefs_`` and ``intercepts_`` in place, and take one step of
# plain gradient descent (no momentum, no penalty) on the one sample, labels 0 and 1.
X = x.reshape(1, -1)
Y = np.array([[0, 1]])
clf = MLPClassifier(
    hidden_layer_sizes=(2,),
    activation="logistic",
    solver="sgd",
    learning_rate_init=rate,
    momentum=0.0,
    alpha=0.0,
    batch_size=1,
    shuffle=False,
    max_iter=1,
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    clf.fit(X, Y)
for mine, course in zip(clf.coefs_ + clf.intercepts_, [W1, W2, b1, b2]):
    mine[...] = course
print("neurona's outputs before the step:", clf.predict_proba(X)[0], "(by hand:", out_o, ")")
clf.partial_fit(X, Y)

delta_o = out_o - Y[0]  # the log loss's delta at a logistic output
delta_h = (delta_o @ W2.T) * out_h * (1 - out_h)
by_hand = [W1 - rate * np.outer(x, delta_h), W2 - rate * np.outer(out_h, delta_o)]
for layer, (theirs, ours) in enumerate(zip(clf.coefs_, by_hand)):
    print(f"layer {layer}: largest difference from the hand computation {np.abs(theirs - ours).max():.1e}")
    assert np.allclose(theirs, ours, rtol=0, atol=1e-12)

# %%
# The network, drawn with its weights before and after the step
# --------------------------------------------------------------
fig, ax = plt.subplots(figsize=(7, 4))
pos = {"i1": (0, 1), "i2": (0, 0), "h1": (1, 1), "h2": (1, 0), "o1": (2, 1), "o2": (2, 0)}
edges = [("i1", "h1", 0, 0, 0), ("i2", "h1", 0, 1, 0), ("i1", "h2", 0, 0, 1), ("i2", "h2", 0, 1, 1),
         ("h1", "o1", 1, 0, 0), ("h2", "o1", 1, 1, 0), ("h1", "o2", 1, 0, 1), ("h2", "o2", 1, 1, 1)]
before = [W1, W2]
for a, b, layer, i, j in edges:
    (x0, y0), (x1, y1) = pos[a], pos[b]
    ax.plot([x0, x1], [y0, y1], color="0.6", zorder=1)
    t = 0.3 if y0 == y1 else (0.25 if y0 > y1 else 0.6)
    ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0) + 0.04,
            f"{before[layer][i, j]:.2f}→{clf.coefs_[layer][i, j]:.3f}", fontsize=8, ha="center")
values = {"i1": x[0], "i2": x[1], "h1": out_h[0], "h2": out_h[1], "o1": out_o[0], "o2": out_o[1]}
for name, (px, py) in pos.items():
    ax.scatter(px, py, s=1400, color="tab:blue" if name[0] != "o" else "tab:orange", zorder=2)
    ax.text(px, py, f"{name}\n{values[name]:.3f}", ha="center", va="center", color="white", fontsize=9, zorder=3)
ax.set_title("The 2-2-2 network: activations, and each weight before → after one step")
ax.set_xlim(-0.3, 2.3)
ax.set_ylim(-0.4, 1.4)
ax.axis("off")
plt.show()

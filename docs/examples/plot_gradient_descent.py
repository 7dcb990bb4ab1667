"""
Gradient descent, step by step
==============================

Gradient descent starts somewhere and steps downhill: each step moves the weights against the
gradient of the loss, by the learning rate times its size. With no hidden layer
(``hidden_layer_sizes=()``) a regressor is a single linear neuron, ``y = w x + b``, whose loss
over the weights ``(w, b)`` is a bowl we can draw. One ``partial_fit`` with a batch of every row
and no momentum is one step of plain gradient descent, so we can follow neurona's weights across
the loss's contours: at a small rate they creep; at a larger one they drop into the valley
and run along its floor to the bottom; larger still, each step overshoots across the valley and
back, a zigzag that still converges. Past ``2 / λ``, where ``λ`` is the loss's steepest
curvature (the largest eigenvalue of its Hessian), the zigzag grows instead and the descent
diverges.
"""

import matplotlib.pyplot as plt
import numpy as np

from neurona import MLPRegressor

rng = np.random.default_rng(0)
x = rng.uniform(-1, 2, size=(100, 1))
y = 1.5 * x.ravel() - 0.5 + rng.normal(scale=0.3, size=100)

ws, bs = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-3, 3, 200))
residuals = ws[..., None] * x.ravel() + bs[..., None] - y
loss = 0.5 * np.mean(residuals**2, axis=-1)  # scikit-learn's squared-error loss: half the mean

fig, ax = plt.subplots(figsize=(7, 5))
ax.contour(ws, bs, loss, levels=np.geomspace(loss.min() + 1e-3, loss.max(), 15), cmap="Greys")
for rate, color in [(0.1, "tab:blue"), (0.5, "tab:green"), (1.0, "tab:orange")]:
    net = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0, alpha=0.0,
                       learning_rate_init=rate, batch_size=len(x), shuffle=False, random_state=0)
    net.partial_fit(x, y)  # builds the neuron; its weights are then put at the start
    net.coefs_[0][...] = 3.0
    net.intercepts_[0][...] = 2.5
    path = [(3.0, 2.5)]
    for step in range(25):
        net.partial_fit(x, y)
        path.append((net.coefs_[0][0, 0], net.intercepts_[0][0]))
    path = np.array(path)
    ax.plot(*path.T, "o-", ms=3, color=color, label=f"learning rate {rate}: w={path[-1, 0]:.2f}, b={path[-1, 1]:.2f}")
inputs = np.c_[x, np.ones(len(x))]
steepest = np.linalg.eigvalsh(inputs.T @ inputs / len(x)).max()
print(f"steepest curvature {steepest:.3f}: gradient descent diverges from a rate of {2 / steepest:.3f}")
best = np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)[0]
ax.plot(*best, "r*", ms=14, label=f"least squares: w={best[0]:.2f}, b={best[1]:.2f}")
ax.set_xlabel("w")
ax.set_ylabel("b")
ax.set_title(
    f"25 steps of gradient descent on the squared error of y = w x + b\n(rates above {2 / steepest:.2f} diverge)"
)
ax.legend(fontsize=8)
plt.show()

"""
Activations and their derivatives
=================================

The hidden activations of neurona's networks, ``identity``, ``logistic``, ``tanh`` and ``relu``,
and their derivatives. The backward pass writes each derivative in terms of the activation's
*output* (logistic: ``out (1 - out)``, tanh: ``1 - out^2``, relu: 0 where the output is 0), so
the forward pass keeps what the backward pass needs.

The curves are computed by neurona itself: a regressor with one hidden unit whose input weight
and output weight are 1 and whose biases are 0 predicts ``activation(x)`` for a one-column ``x``.
The derivatives are then taken by central differences of those predictions and compared with the
formulas in terms of the output.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from neurona import MLPRegressor

x = np.linspace(-5, 5, 401).reshape(-1, 1)
formulas = {
    "identity": lambda out: np.ones_like(out),
    "logistic": lambda out: out * (1 - out),
    "tanh": lambda out: 1 - out**2,
    "relu": lambda out: (out > 0).astype(float),
}

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for name, derivative in formulas.items():
    net = MLPRegressor(hidden_layer_sizes=(1,), activation=name, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(x, x.ravel())  # only to build the network; the weights are set next
    net.coefs_[0][...] = 1.0
    net.coefs_[1][...] = 1.0
    net.intercepts_[0][...] = 0.0
    net.intercepts_[1][...] = 0.0
    out = net.predict(x)
    h = 1e-5
    numeric = (net.predict(x + h) - net.predict(x - h)) / (2 * h)
    away_from_kink = np.abs(x.ravel()) > 1e-3
    assert np.allclose(numeric[away_from_kink], derivative(out)[away_from_kink], atol=1e-6)
    axes[0].plot(x, out, label=name)
    axes[1].plot(x, derivative(out), label=name)
axes[0].set_title("activation(x), predicted by neurona")
axes[0].set_ylim(-1.5, 3)
axes[1].set_title("its derivative, from the output")
for ax in axes:
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("x")
    ax.legend()
fig.tight_layout()
plt.show()

# %%
# The logistic derivative is at most 0.25 and tanh's at most 1, and both fall towards 0 as the
# unit saturates: a gradient multiplied by many of them shrinks, the vanishing gradient of the
# next example. ReLU's derivative is 1 wherever the unit is active, and 0 elsewhere: a unit that
# is never active learns nothing (dying ReLU).

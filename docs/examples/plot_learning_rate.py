"""
The learning rate: too small, right, too large
==============================================

Gradient descent steps against the gradient by the learning rate times its size. Too small, and
the loss falls so slowly that the epochs run out first; about right, and it falls fast and
settles; too large, and each step overshoots the valley: the loss grows from epoch to epoch until
the weights are no longer finite, which neurona reports as an error (as scikit-learn does).

One ``partial_fit`` per epoch lets us record the loss until the divergence.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from neurona import MLPRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()

fig, ax = plt.subplots(figsize=(7, 4.5))
for rate, label in [(0.0005, "too small"), (0.05, "about right"), (0.9, "too large")]:
    net = MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", momentum=0.0, learning_rate_init=rate, random_state=0)
    losses = []
    for epoch in range(60):
        try:
            net.partial_fit(X, y)
        except ValueError as error:  # "Solver produced non-finite parameter weights..."
            print(f"rate {rate}: diverged at epoch {epoch + 1}: {error}")
            break
        losses.append(net.loss_)
    ax.semilogy(np.arange(1, len(losses) + 1), losses, "o-" if len(losses) < 60 else "-", label=f"{rate} ({label})")
    print(f"rate {rate}: {len(losses)} epochs, last loss {losses[-1]:.3g}")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (half the squared error)")
ax.set_title("Plain SGD on diabetes at three learning rates")
ax.legend()
plt.show()

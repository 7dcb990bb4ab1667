"""
Early stopping
==============

With ``early_stopping=True`` the stochastic solvers hold out ``validation_fraction`` of the
training data (stratified for a binary classifier, as scikit-learn does), score it after every
epoch (``validation_scores_``), stop when the score has not improved by ``tol`` for
``n_iter_no_change`` epochs, and keep the weights of the best epoch. Without it, training runs
until the *training* loss stops improving, and a large network given noisy labels goes on
fitting the noise.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from neurona import MLPClassifier

X, y = make_classification(n_samples=600, n_features=20, n_informative=5, flip_y=0.2, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
common = dict(hidden_layer_sizes=(200, 200), learning_rate_init=0.003, max_iter=300, random_state=0)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    full = MLPClassifier(**common).fit(X_train, y_train)
early = MLPClassifier(early_stopping=True, validation_fraction=0.2, n_iter_no_change=10, **common).fit(X_train, y_train)

for name, clf in [("no early stopping", full), ("early stopping", early)]:
    train, test = clf.score(X_train, y_train), clf.score(X_test, y_test)
    print(f"{name:>18}: {clf.n_iter_:3d} epochs, train accuracy {train:.3f}, test accuracy {test:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].plot(np.arange(1, full.n_iter_ + 1), full.loss_curve_, label="no early stopping")
axes[0].plot(np.arange(1, early.n_iter_ + 1), early.loss_curve_, label="early stopping")
axes[0].set_yscale("log")
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("training loss")
axes[0].legend()
best = int(np.argmax(early.validation_scores_)) + 1
epochs = np.arange(1, len(early.validation_scores_) + 1)
axes[1].plot(epochs, early.validation_scores_, "o-", ms=3, label="validation accuracy")
axes[1].axvline(best, color="tab:red", ls="--", label=f"best epoch ({best}): its weights are kept")
axes[1].set_xlabel("epoch")
axes[1].set_title(f"test accuracy: {early.score(X_test, y_test):.3f} early, {full.score(X_test, y_test):.3f} without")
axes[1].legend()
fig.tight_layout()
plt.show()

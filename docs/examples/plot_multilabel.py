"""
Multi-label classification: one-vs-all outputs
===============================================

When a sample may carry several labels at once (a text about sport *and* politics), the output
layer has one logistic unit per label, each trained with the binary log loss: each unit answers
its own yes-or-no question, one against all, and the probabilities need not sum to 1. Give
neurona's classifier an indicator matrix ``y`` (one column per label) and it trains such a
network; a multiclass target instead gets a softmax output whose probabilities do sum to 1.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from neurona import MLPClassifier

X, Y = make_multilabel_classification(n_samples=600, n_features=20, n_classes=4, n_labels=2, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
# The filter that silences neurona's ConvergenceWarning as well as scikit-learn's.
warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn|neurona")
clf = MLPClassifier(hidden_layer_sizes=(50,), max_iter=200, random_state=0).fit(X_train, Y_train)
print("output activation:", clf.out_activation_)
print("F1 (micro) on the test set:", round(f1_score(Y_test, clf.predict(X_test), average="micro"), 3))

proba = clf.predict_proba(X_test[:8])
multiclass = MLPClassifier(hidden_layer_sizes=(50,), max_iter=200, random_state=0)
multiclass.fit(X_train, Y_train.argmax(axis=1))  # one label each: softmax
proba_softmax = multiclass.predict_proba(X_test[:8])

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, values, title in [
    (axes[0], proba, f"multi-label ({clf.out_activation_} outputs): rows need not sum to 1"),
    (axes[1], proba_softmax, f"multiclass ({multiclass.out_activation_} output): rows sum to 1"),
]:
    bottom = np.zeros(len(values))
    for k in range(values.shape[1]):
        ax.bar(np.arange(len(values)), values[:, k], bottom=bottom, label=f"label {k}")
        bottom += values[:, k]
    ax.set_xlabel("test sample")
    ax.set_title(title, fontsize=9)
axes[0].set_ylabel("stacked probabilities")
axes[0].set_xticks(range(8), [f"{i}\n{''.join(str(v) for v in row)}" for i, row in enumerate(Y_test[:8])])
axes[0].set_xlabel("test sample, and its true labels")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Under each multi-label bar, the sample's true labels (1 where a label applies, label 0 first). Each logistic output is
# an independent probability, so a sample can be likely to carry two labels or none.

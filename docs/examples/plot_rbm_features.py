"""
RBM features feeding a classifier
=================================

A restricted Boltzmann machine learns, without labels, hidden units whose probabilities
(``transform``) describe the data. In a ``Pipeline`` those features feed a classifier, as in
scikit-learn's RBM example; here, on the digits scaled to [0, 1], the classifier is neurona's
``MLPClassifier`` with no hidden layer (``hidden_layer_sizes=()``), which is multinomial
logistic regression. The components (each hidden unit's weights over the 8x8 pixels) show the
strokes the RBM learned.

The same classifier on the raw pixels is the yardstick. On these clean, small images it does
at least as well as on the RBM's features, whatever the number of labelled rows: the RBM's
100 features are a learned description of the images, not a better one for a linear classifier
here.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from neurona import BernoulliRBM, MLPClassifier

X, y = load_digits(return_X_y=True)
X = MinMaxScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)


def logistic():
    return MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=0.01, max_iter=500, random_state=0)


rbm = BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=20, random_state=0)
model = Pipeline([("rbm", rbm), ("logistic", logistic())])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # lbfgs may stop at max_iter on the full training set
    model.fit(X_train, y_train)
    raw = logistic().fit(X_train, y_train)
print(f"on the RBM's 100 features: test accuracy {model.score(X_test, y_test):.3f}")
print(f"on the 64 raw pixels:      test accuracy {raw.score(X_test, y_test):.3f}")

fig, axes = plt.subplots(5, 10, figsize=(9, 4.8))
for ax, component in zip(axes.ravel(), rbm.components_):
    ax.imshow(component.reshape(8, 8), cmap="gray_r", interpolation="nearest")
    ax.set_xticks(())
    ax.set_yticks(())
fig.suptitle("50 of the RBM's 100 components")
plt.show()

# %%
# With few labels
# ---------------
# The RBM trains on every training image without its label; the classifier then sees only the
# first ``n`` labelled rows.
features_train, features_test = rbm.transform(X_train), rbm.transform(X_test)
counts = [20, 50, 100, 300, len(X_train)]
warnings.filterwarnings("ignore", module="neurona")
with_rbm = [logistic().fit(features_train[:n], y_train[:n]).score(features_test, y_test) for n in counts]
with_raw = [logistic().fit(X_train[:n], y_train[:n]).score(X_test, y_test) for n in counts]
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.semilogx(counts, with_rbm, "o-", label="RBM features")
ax.semilogx(counts, with_raw, "s-", label="raw pixels")
ax.set_xlabel("labelled training rows")
ax.set_ylabel("test accuracy")
ax.legend()
plt.show()

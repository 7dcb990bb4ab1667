"""The docstring sections the estimators share, written once: the gradient-trained networks'
solver parameters (the MLPs and the recurrent networks take the same ones) and their fitted
attributes, and the method parameters that mean the same in several methods. Each class
composes its ``__doc__`` from these entries (numpydoc style: what a parameter does, its default,
which solver uses it), and ``method`` completes a method's docstring with its sections, so
``help()``, the API reference and the notebook display read the same whole text. Docstrings
only: nothing here changes what an estimator computes.
"""

import inspect

#: Where the documentation site that ``scripts/docs`` builds is published: an estimator's
#: notebook display (scikit-learn's HTML representation) links to its page there, at
#: ``api/neurona.<class name>.html``.
SITE_URL = "https://neurona.github.io/neurona/"


def section(title, *entries, indent="    "):
    """A numpydoc section: the title, its underline, and the entries, each ``"name :
    type\\n    description"`` without indentation; every line indented by ``indent`` (a class
    docstring's four spaces by default)."""
    lines = ["", f"{indent}{title}", indent + "-" * len(title)]
    for entry in entries:
        lines += [f"{indent}{line}" if line else "" for line in entry.strip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def method(*parameters, returns):
    """Completes the docstring of the method it decorates (its summary and description) with a
    ``Parameters`` section of the ``parameters`` entries, in the signature's order, and a
    ``Returns`` section of the ``returns`` entry. An entry that means the same in several
    methods (``X``, ``sample_weight``, ``classes``...) is then written once, here or in its
    family's module, and each method's ``help()`` and page still stand alone.

    Apply it below any decorator that copies the docstring (``available_if``,
    ``_fit_context``), so that they copy the whole text."""

    def complete(function):
        summary = inspect.cleandoc(function.__doc__ or "")
        parameters_section = section("Parameters", *parameters, indent="")
        function.__doc__ = summary + "\n" + parameters_section + section("Returns", returns, indent="")
        return function

    return complete


def fitted(class_name):
    """The ``Returns`` entry of a ``fit`` that returns the estimator."""
    return f"self : {class_name}\n    The fitted estimator."


def updated(class_name):
    """The ``Returns`` entry of a ``partial_fit`` that returns the estimator."""
    return f"self : {class_name}\n    The updated estimator."


#: The MLPs' architecture (the recurrent networks' dense head has its own entries).
HIDDEN_LAYER_SIZES = """\
hidden_layer_sizes : array-like of int, default=(100,)
    The number of units of each hidden layer, from the input's side: ``(100,)`` is one layer
    of 100 units, ``(50, 20)`` two layers. ``()`` means no hidden layer: a linear model (the
    regressor) or logistic regression (the classifier). All solvers."""

ACTIVATION = """\
activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
    The hidden layers' activation: ``identity`` (``f(x) = x``), ``logistic`` (the sigmoid
    ``1 / (1 + exp(-x))``), ``tanh`` or ``relu`` (``max(0, x)``). The output layer's is set by
    the task (``out_activation_``). All solvers."""

REGRESSION_LOSS = """\
loss : {"squared_error", "poisson"}, default="squared_error"
    The regressor's loss: half the mean squared error with an identity output, or the Poisson
    deviance with an exponential output, for counts and rates (targets must be >= 0; a
    negative one is an error). All solvers."""

#: The settings of gradient training, in scikit-learn's order.
SOLVER = """\
solver : {"lbfgs", "sgd", "adam"}, default="adam"
    The optimizer. ``adam``: Kingma and Ba's stochastic optimizer, a good default for larger
    data sets. ``sgd``: minibatch gradient descent with momentum and a learning-rate schedule.
    ``lbfgs``: the full-batch quasi-Newton method (L-BFGS-B's unconstrained case, following
    scipy's iterates), often fastest on small data sets; it keeps no ``loss_curve_``, and
    ``partial_fit`` is for sgd and adam (but for ``MLPRegressor``, where, as in scikit-learn,
    it runs an lbfgs fit)."""

ALPHA = """\
alpha : float, default=0.0001
    Strength of the L2 penalty on the weights (not the biases): the loss adds
    ``alpha / 2 * ||W||^2`` divided by the number of samples (for sgd and adam, by the
    minibatch's weight sum). Larger values give smaller weights and smoother functions. All
    solvers."""

BATCH_SIZE = """\
batch_size : int or "auto", default="auto"
    The number of samples in each minibatch of sgd and adam; ``"auto"`` is
    ``min(200, n_samples)``, and a larger value is clipped to ``n_samples`` with a warning.
    lbfgs uses every sample at each step and ignores it."""

LEARNING_RATE = """\
learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
    sgd's learning-rate schedule. ``constant``: ``learning_rate_init`` throughout.
    ``invscaling``: ``learning_rate_init / t ** power_t`` at step ``t``. ``adaptive``:
    ``learning_rate_init`` while training improves; each time the loss (or, with early
    stopping, the validation score) has not improved by ``tol`` for more than
    ``n_iter_no_change`` epochs, the rate is divided by 5, and training stops once it would
    fall below 1e-6. sgd only."""

LEARNING_RATE_INIT = """\
learning_rate_init : float, default=0.001
    The initial step size of the weight updates. sgd and adam."""

POWER_T = """\
power_t : float, default=0.5
    The exponent of the ``invscaling`` schedule. sgd with ``learning_rate="invscaling"``."""

MAX_ITER = """\
max_iter : int, default=200
    The most epochs (sgd and adam: each sample is seen once per epoch) or iterations (lbfgs)
    of one call to ``fit``; reaching it without converging warns with a
    ``ConvergenceWarning``. ``partial_fit`` always runs one epoch."""

SHUFFLE = """\
shuffle : bool, default=True
    Whether to shuffle the samples before each epoch. sgd and adam."""

RANDOM_STATE = """\
random_state : int, RandomState instance or None, default=None
    The source of every random draw: the initial weights, the shuffles, the early-stopping
    split (and, for the recurrent networks, the dropout masks). An int gives the same model at
    every fit, and scikit-learn's model for the same int; ``None`` draws from numpy's global
    ``RandomState``, an instance from that instance, whose state advances as it would under
    scikit-learn. All solvers."""

TOL = """\
tol : float, default=1e-4
    The stopping tolerance. sgd and adam: training stops when the loss (or, with early
    stopping, the validation score) has not improved by at least ``tol`` for
    ``n_iter_no_change`` consecutive epochs. lbfgs: the tolerance on the gradient."""

VERBOSE = """\
verbose : bool, default=False
    Print scikit-learn's progress lines (each epoch's loss, and validation score with early
    stopping) through Python's ``print``. sgd and adam."""

WARM_START = """\
warm_start : bool, default=False
    When True, ``fit`` continues from the weights of the previous fit (and their optimizer
    state) instead of drawing new ones. All solvers."""

MOMENTUM = """\
momentum : float, default=0.9
    The momentum of the updates, in [0, 1]: each step adds this share of the previous one.
    sgd only."""

NESTEROVS_MOMENTUM = """\
nesterovs_momentum : bool, default=True
    Whether to use Nesterov's momentum (the gradient taken after the momentum step). sgd with
    ``momentum > 0``."""

EARLY_STOPPING = """\
early_stopping : bool, default=False
    When True, hold out ``validation_fraction`` of the training data (stratified for a binary
    classifier, as scikit-learn does), score it after every epoch, stop when that score has
    not improved by ``tol`` for ``n_iter_no_change`` epochs, and keep the weights of the best
    epoch. sgd and adam."""

VALIDATION_FRACTION = """\
validation_fraction : float, default=0.1
    The share of the training data held out for early stopping, in (0, 1). sgd and adam with
    ``early_stopping=True``."""

BETA_1 = """\
beta_1 : float, default=0.9
    The decay rate of Adam's first-moment (mean) estimates, in [0, 1). adam only."""

BETA_2 = """\
beta_2 : float, default=0.999
    The decay rate of Adam's second-moment (uncentred variance) estimates, in [0, 1). adam
    only."""

EPSILON = """\
epsilon : float, default=1e-8
    Added to the denominator of Adam's step, for numerical stability. adam only."""

N_ITER_NO_CHANGE = """\
n_iter_no_change : int or numpy.inf, default=10
    The number of epochs without an improvement of ``tol`` before training stops (and, with
    the ``adaptive`` schedule, before the rate is cut); ``numpy.inf`` never stops early. sgd
    and adam."""

MAX_FUN = """\
max_fun : int, default=15000
    The most loss-and-gradient evaluations of one fit. lbfgs only."""

#: The solver settings the MLPs and the recurrent networks share, after their architecture.
SOLVER_PARAMETERS = (
    SOLVER,
    ALPHA,
    BATCH_SIZE,
    LEARNING_RATE,
    LEARNING_RATE_INIT,
    POWER_T,
    MAX_ITER,
    SHUFFLE,
    RANDOM_STATE,
    TOL,
    VERBOSE,
    WARM_START,
    MOMENTUM,
    NESTEROVS_MOMENTUM,
    EARLY_STOPPING,
    VALIDATION_FRACTION,
    BETA_1,
    BETA_2,
    EPSILON,
    N_ITER_NO_CHANGE,
    MAX_FUN,
)


def n_jobs(methods):
    """neurona's ``n_jobs``, naming the ``methods`` whose matrix products it caps."""
    return f"""\
n_jobs : int or None, default=None
    The most threads the matrix products of {methods} may use. ``None``: every core, or what
    ``neurona.set_num_threads`` (or threadpoolctl's ``threadpool_limits``, or
    ``OMP_NUM_THREADS``) set; ``n >= 1``: at most ``n``; ``-1``: every core; ``-2``: all but
    one, and so on (joblib's convention); 0 is refused. The results are bit-identical whatever
    the number. scikit-learn's networks have no such parameter; ``get_params``, ``clone`` and
    grid searches carry it like any other. All solvers."""


#: The fitted attributes of a gradient-trained network's training report.
LOSS_ = """\
loss_ : float
    The loss (with the L2 penalty) at the end of the last fit."""

BEST_LOSS_ = """\
best_loss_ : float or None
    The lowest training loss of the fit; ``None`` with early stopping (see
    ``best_validation_score_``). sgd and adam only (absent after lbfgs)."""

LOSS_CURVE_ = """\
loss_curve_ : list of float
    The training loss of each epoch. sgd and adam only (absent after lbfgs)."""

VALIDATION_SCORES_ = """\
validation_scores_ : list of float or None
    The score of the held-out data after each epoch (accuracy for a classifier, R² for a
    regressor) with early stopping, else ``None``. sgd and adam only."""

BEST_VALIDATION_SCORE_ = """\
best_validation_score_ : float or None
    The best of ``validation_scores_``, whose weights were kept; ``None`` without early
    stopping. sgd and adam only."""

T_ = """\
t_ : int
    The number of training samples the solver has seen (epochs times samples, for sgd and
    adam), the ``t`` of Adam's bias correction and of the ``invscaling`` schedule."""

N_ITER_ = """\
n_iter_ : int
    The number of epochs (sgd, adam) or iterations (lbfgs) the solver ran."""

N_OUTPUTS_ = """\
n_outputs_ : int
    The number of outputs: 1 for binary classification and single-target regression, one per
    class (multiclass) or label (multi-label), one per target column."""

OUT_ACTIVATION_ = """\
out_activation_ : str
    The output layer's activation: ``"logistic"`` (binary, multi-label), ``"softmax"``
    (multiclass), ``"identity"`` (squared-error regression) or ``"exp"`` (Poisson)."""

N_FEATURES_IN_ = """\
n_features_in_ : int
    The number of features seen by ``fit``."""

FEATURE_NAMES_IN_ = """\
feature_names_in_ : ndarray of str
    The column names of X, one per feature, when ``fit`` was given a DataFrame whose column
    names are all strings."""

CLASSES_ = """\
classes_ : ndarray of shape (n_classes,)
    The class labels, sorted (for a multi-label classifier, the label indices)."""

#: What every estimator fitted on rows of features knows of its input.
INPUT_ATTRIBUTES = (N_FEATURES_IN_, FEATURE_NAMES_IN_)

#: The report attributes every gradient-trained network has.
TRAINING_ATTRIBUTES = (
    LOSS_,
    BEST_LOSS_,
    LOSS_CURVE_,
    VALIDATION_SCORES_,
    BEST_VALIDATION_SCORE_,
    T_,
    N_ITER_,
    N_OUTPUTS_,
    OUT_ACTIVATION_,
)

#: Method parameters that mean the same everywhere.
X_ROWS = """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The input samples."""

SAMPLE_WEIGHT = """\
sample_weight : array-like of shape (n_samples,), default=None
    A weight for each sample, scaling its share of the loss; ``None`` weighs every sample 1."""

#: ``partial_fit``'s ``classes`` of a classifier whose first call must name them all.
PARTIAL_FIT_CLASSES = """\
classes : array-like of shape (n_classes,), default=None
    Every class label the model will ever see: required on the first call, optional
    afterwards, when it must be the same."""

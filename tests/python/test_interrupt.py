"""Ctrl-C during a long fit or call: each kind, in a subprocess, gets SIGINT one second in and
must answer within a second, with scikit-learn's outcome.

scikit-learn catches ``KeyboardInterrupt`` only in the MLP's ``_fit_stochastic`` (sgd and adam),
where it warns "Training interrupted by user." and keeps the model trained so far; from L-BFGS,
the perceptron and the RBM the ``KeyboardInterrupt`` propagates. neurona's recurrent networks
train with the MLP's solvers and answer as they do.
"""

import ast
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a subprocess is POSIX")

#: The child: builds a fit that would run for minutes, says START, fits, and prints how the fit
#: ended with the monotonic clock's time (the same clock across processes on POSIX).
CHILD = textwrap.dedent(
    """
    import sys, time, warnings
    import numpy as np
    import neurona

    case = sys.argv[1]
    rng = np.random.RandomState(0)
    forever = dict(max_iter=10**6, tol=0.0, n_iter_no_change=10**6, random_state=0)
    if case in ("adam", "sgd", "lbfgs"):
        X, y = rng.rand(20000, 64), rng.randint(10, size=20000)
        est = neurona.MLPClassifier(hidden_layer_sizes=(256,), solver=case, max_fun=10**9, **forever)
    elif case == "adam_early_stopping":
        X, y = rng.rand(20000, 64), rng.rand(20000)
        est = neurona.MLPRegressor(hidden_layer_sizes=(256,), early_stopping=True, **forever)
    elif case == "perceptron":
        X, y = rng.rand(20000, 256), rng.randint(10, size=20000)
        est = neurona.Perceptron(max_iter=10**6, tol=None, random_state=0)
    elif case.startswith("rbm"):
        X, y = (rng.rand(2000, 256) > 0.5).astype(float), None
        verbose = int(case == "rbm_verbose")
        est = neurona.BernoulliRBM(n_components=128, n_iter=10**6, verbose=verbose, random_state=0)
    elif case == "rnn_classifier":
        X, y = rng.rand(2000, 30, 8), rng.randint(3, size=2000)
        est = neurona.RNNClassifier(**forever)
    elif case == "rnn_regressor":
        X, y = rng.rand(2000, 30, 8), rng.rand(2000)
        est = neurona.RNNRegressor(**forever)
    print("START", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X) if y is None else est.fit(X, y)
        except KeyboardInterrupt:
            print("RAISED", time.monotonic(), flush=True)
            sys.exit(0)
    ended = time.monotonic()
    est.predict(X[:5]) if y is not None else est.transform(X[:5])
    curve = getattr(est, "loss_curve_", None)
    print("RETURNED", ended, est.n_iter_, len(curve), [(type(w.message).__name__, str(w.message)) for w in caught])
    """
)


def signalled(script, *args):
    """Runs ``script`` with ``args`` in a new interpreter and sends it SIGINT one second after it
    prints START (as its long call begins). Returns its standard output and when the signal
    was sent (``time.monotonic()``)."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert child.stdout.readline().strip() == "START"
        time.sleep(1.0)
        assert child.poll() is None, f"{args}: the call ended before the signal"
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGINT)
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return out, sent


def interrupt(case):
    """Runs the child for ``case``, sends SIGINT one second after its fit began, and returns
    how the fit ended (its words after the outcome), and the seconds from the signal to it."""
    out, sent = signalled(CHILD, case)
    lines = [line for line in out.splitlines() if line.startswith(("RAISED", "RETURNED"))]
    assert len(lines) == 1, out
    outcome, ended, *rest = lines[0].split(" ", 2)
    return outcome, float(ended) - sent, rest[0] if rest else ""


@pytest.mark.parametrize("case", ["lbfgs", "perceptron", "rbm", "rbm_verbose"])
def test_ctrl_c_raises_keyboard_interrupt_where_scikit_learn_does(case):
    outcome, reaction, _ = interrupt(case)
    assert outcome == "RAISED", f"{case} returned instead of raising KeyboardInterrupt"
    assert reaction < 1.0, f"{case} answered Ctrl-C after {reaction:.2f} s"


@pytest.mark.parametrize("case", ["adam", "sgd", "adam_early_stopping", "rnn_classifier", "rnn_regressor"])
def test_ctrl_c_stops_a_stochastic_fit_keeping_the_model_with_scikit_learns_warning(case):
    outcome, reaction, rest = interrupt(case)
    assert outcome == "RETURNED", f"{case} raised instead of keeping the model"
    assert reaction < 1.0, f"{case} answered Ctrl-C after {reaction:.2f} s"
    n_iter, curve_length, caught = rest.split(" ", 2)
    # Only the epochs run to their end count, as in scikit-learn (the interrupted one is not in
    # the loss curve); the model predicts.
    assert int(n_iter) == int(curve_length) < 10**6
    assert ast.literal_eval(caught) == [("UserWarning", "Training interrupted by user.")]


#: A fit in a thread other than the main one: Python runs signal handlers in the main thread
#: only, so Ctrl-C raises there (in ``join``) and the fit in the other thread goes on, as a Python
#: loop in that thread would.
THREADED = textwrap.dedent(
    """
    import os, threading, time
    import numpy as np
    import neurona

    X = (np.random.RandomState(0).rand(2000, 256) > 0.5).astype(float)
    rbm = neurona.BernoulliRBM(n_components=128, n_iter=10**6, random_state=0)
    ended = []

    def fit():
        try:
            rbm.fit(X)
        finally:
            ended.append(True)

    worker = threading.Thread(target=fit, daemon=True)
    worker.start()
    print("START", flush=True)
    try:
        worker.join()
    except KeyboardInterrupt:
        # (Not is_alive(): an interrupted join leaves it wrong on Python 3.11.)
        time.sleep(0.5)
        print("MAIN_RAISED", "fit ended" if ended else "fit goes on", flush=True)
        os._exit(0)
    """
)


def test_ctrl_c_reaches_the_main_thread_while_another_thread_fits():
    out, _ = signalled(THREADED)
    assert out.strip() == "MAIN_RAISED fit goes on", out


#: The child for the long calls that are not fits: a small model, fitted at once, then one call
#: on enough rows to run for seconds. Every such call raises ``KeyboardInterrupt``, as
#: scikit-learn's (numpy's) do, and returns nothing partial.
LONG_CALL = textwrap.dedent(
    """
    import sys, time, warnings
    import numpy as np
    import neurona

    warnings.simplefilter("ignore")
    case = sys.argv[1]
    rng = np.random.RandomState(0)
    if case == "mlp_predict":
        est = neurona.MLPClassifier(hidden_layer_sizes=(1536, 1536), max_iter=1, random_state=0)
        est.fit(rng.rand(100, 64), rng.randint(3, size=100))
        call, X = est.predict_proba, rng.rand(400_000, 64)
    elif case == "rnn_predict":
        est = neurona.RNNRegressor(cell="lstm", hidden_size=512, max_iter=1, random_state=0)
        est.fit(rng.rand(20, 10, 8), rng.rand(20))
        call, X = est.predict, rng.rand(2_000, 200, 8)
    elif case == "rbm_score_samples":
        est = neurona.BernoulliRBM(n_components=4096, n_iter=1, random_state=0)
        est.fit((rng.rand(50, 512) > 0.5).astype(float))
        call, X = est.score_samples, (rng.rand(50_000, 512) > 0.5).astype(float)
    print("START", flush=True)
    try:
        result = call(X)
    except KeyboardInterrupt:
        print("RAISED", time.monotonic(), flush=True)
        sys.exit(0)
    print("RETURNED", time.monotonic(), result.shape)
    """
)


@pytest.mark.parametrize("case", ["mlp_predict", "rnn_predict", "rbm_score_samples"])
def test_ctrl_c_interrupts_a_long_prediction_or_score(case):
    out, sent = signalled(LONG_CALL, case)
    lines = [line for line in out.splitlines() if line.startswith(("RAISED", "RETURNED"))]
    assert len(lines) == 1, out
    outcome, ended, *_ = lines[0].split(" ")
    assert outcome == "RAISED", f"{case} returned instead of raising KeyboardInterrupt"
    assert float(ended) - sent < 1.0, f"{case} answered Ctrl-C after {float(ended) - sent:.2f} s"

"""The playground (crates/neurona-wasm) in headless Chromium: ``scripts/playground`` builds the
page, a local server serves it, and the page, opened with query parameters that train a fixed
number of epochs, posts what it shows back to the server. Checked against it: XOR learned by two
hidden layers, the spiral by adam, the perceptron failing XOR; the page's weights and loss curve
equal to the Python package's fit of the same points and seed (neurona's native core) to 1e-12;
and the model file the page made predicts in ``neurona predict`` what the page predicted.

Chromium is Debian's ``chromium`` package; the test installs it with apt-get where it is missing
and it may (as root), so that the suite runs on a fresh machine.
"""

import base64
import http.server
import json
import os
import pathlib
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.parse
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import neurona
from test_command_files import neurona_command, write_csv

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = ROOT / "target" / "playground"


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, timeout=900)
        return shutil.which("chromium")
    pytest.fail("the playground test needs Chromium: apt-get install chromium")


class _Server(http.server.ThreadingHTTPServer):
    """Serves the built playground and queues what the page posts to /result."""

    def __init__(self):
        self.results = queue.Queue()
        site = str(SITE)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=site, **kwargs)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.server.results.put(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def playground():
    built = subprocess.run([str(ROOT / "scripts" / "playground")], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    browser = _chromium()
    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def run(**query):
        query = {**query, "report": "/result"}
        url = f"http://127.0.0.1:{server.server_port}/?{urllib.parse.urlencode(query)}"
        # Chromium's helper processes (renderer, GPU, network) outlive a kill of the browser
        # process and keep writing its profile: the browser runs in a session of its own, whose
        # whole process group is killed, and a file written after that cannot fail the cleanup.
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
            args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={profile}", url]
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
            try:
                result = server.results.get(timeout=120)
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert "error" not in result, result
        return result

    yield run
    server.shutdown()


XOR = dict(dataset="xor", hidden="8,8", activation="tanh", solver="adam", lr="0.03", batch="10",
           alpha="0", n="300", noise="5", seed="7", epochs="60", model="mlp", stop="sklearn")


def _last(result, curve):
    return result["state"][curve][-1]


def test_xor_two_hidden_layers_equal_the_native_fit_and_the_model_file(playground, tmp_path):
    page = playground(**XOR, bench="1")
    assert _last(page, "test_score") >= 0.95

    # The same points and seed through the Python package (neurona's core, compiled natively).
    x = np.array(page["train"]["x"]).reshape(-1, 2)
    y = np.array(page["train"]["y"]).astype(int)
    steps = page["state"]["steps"]
    native = neurona.MLPClassifier(hidden_layer_sizes=(8, 8), activation="tanh", solver="adam",
                                   learning_rate_init=0.03, batch_size=10, alpha=0.0, random_state=7,
                                   max_iter=steps, n_iter_no_change=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        native.fit(x, y)
    assert native.n_iter_ == steps
    np.testing.assert_allclose(page["state"]["loss_curve"], native.loss_curve_, rtol=0, atol=1e-12)
    for ours, theirs in zip(page["state"]["weights"]["coefs"], native.coefs_):
        np.testing.assert_allclose(np.array(ours), theirs, rtol=0, atol=1e-12)
    for ours, theirs in zip(page["state"]["weights"]["intercepts"], native.intercepts_):
        np.testing.assert_allclose(np.array(ours), theirs, rtol=0, atol=1e-12)

    # The page's model file, in the command and in Python.
    model = tmp_path / "playground.safetensors"
    model.write_bytes(base64.b64decode(page["model_base64"]))
    grid = np.array(page["grid"]).reshape(-1, 2)
    write_csv(tmp_path / "grid.csv", {"x1": grid[:, 0], "x2": grid[:, 1]})
    neurona_command("predict", "--model", str(model), "--data", "grid.csv", "--output", "out.csv", cwd=tmp_path)
    lines = (tmp_path / "out.csv").read_text().split()
    predicted = [float(line.split(",")[-1]) for line in lines[1:]]
    assert predicted == page["grid_predictions"]
    assert neurona.load(model).predict(grid).tolist() == [int(p) for p in page["grid_predictions"]]

    # Speed, measured in the page and reported (printed with -s; docs/guide/playground.rst quotes it).
    print("playground epoch timings (ms):", json.dumps(page["bench"]), page["user_agent"])
    assert all(b["epoch_ms"] > 0 and b["step_ms"] > 0 for b in page["bench"])


def test_the_spiral_is_learned_by_adam(playground):
    page = playground(dataset="spiral", hidden="16,16", activation="tanh", solver="adam", lr="0.03",
                      batch="10", alpha="0", n="400", seed="1", epochs="200",
                      features="x1,x2,sin(x1),sin(x2)")
    assert _last(page, "test_score") >= 0.95


def test_the_perceptron_cannot_separate_xor(playground):
    page = playground(dataset="xor", model="perceptron", n="300", seed="7", epochs="20")
    assert 0.3 <= _last(page, "test_score") <= 0.7
    assert len(page["state"]["weights"]["coefs"]) == 1

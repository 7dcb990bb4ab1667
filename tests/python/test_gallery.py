"""Every example of the documentation's gallery (``docs/examples/plot_*.py``) runs and draws its
figures, so that none rots: each in a fresh interpreter (as sphinx-gallery's build would run
it, with matplotlib's Agg backend), in a temporary folder, within a time limit. The whole
gallery takes about a minute on a 2-core machine; each example asserts its own claims (the
worked example's hand computation against neurona's step, softmax against
``predict_proba``, ...)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("plot_*.py"))

# Runs one example, then saves every figure it left open (Agg's plt.show() keeps them) and
# prints how many, so that an example that draws nothing fails.
RUNNER = """
import runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
numbers = plt.get_fignums()
for number in numbers:
    plt.figure(number).savefig(f"figure_{number}.png")
print(f"FIGURES {len(numbers)}")
"""

#: Seconds an example may take: "a few seconds" each, with room for a busy shared machine.
LIMIT = 120


def test_the_gallery_has_its_examples():
    assert len(EXAMPLES) >= 14, [path.name for path in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_and_draws(example, tmp_path):
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(example)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    seconds = time.perf_counter() - start
    assert result.returncode == 0, f"{example.name} failed after {seconds:.1f} s:\n{result.stdout}\n{result.stderr}"
    figures = int(result.stdout.rsplit("FIGURES ", 1)[1])
    assert figures >= 1, f"{example.name} drew no figure"
    assert len(list(tmp_path.glob("figure_*.png"))) == figures

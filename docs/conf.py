"""Sphinx configuration of neurona's documentation site (built by ``scripts/docs``)."""

import os
from pathlib import Path

import neurona
from neurona import _core

HERE = Path(__file__).resolve().parent

project = "neurona"
author = "the neurona authors"
copyright = "the neurona authors"
release = version = neurona.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_gallery.gen_gallery",
]
# Docs that are not pages of the site (the generated spec table is written below).
exclude_patterns = ["_build", "examples", "requirements.txt", "hyperparameters.md"]
html_theme = "furo"
html_title = f"neurona {release}"
html_static_path = []
templates_path = []

# The docstrings are numpydoc-style; napoleon reads them.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "min_reported_time": 0,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}


def _cell(text):
    """Spec text as a list-table cell: one line, markdown code marks as reST literals."""
    return " ".join(str(text).split()).replace("`", "``") or " "


def write_hyperparameters():
    """``guide/hyperparameters.rst``: the core's spec table (``neurona._core.specs``), the one
    declaration the setters, the model files, the command's flags and the binding all read."""
    kinds = [
        ("MLPClassifier, MLPRegressor", "MLPClassifier"),
        ("Perceptron", "Perceptron"),
        ("BernoulliRBM", "BernoulliRBM"),
        ("RNNClassifier, RNNRegressor", "RNNClassifier"),
    ]
    lines = [
        "Hyperparameters",
        "===============",
        "",
        "Generated at build time from the core's spec table (``neurona._core.specs``), from which",
        "the Rust setters, the model files, the command's flags and the Python binding all read:",
        "the names, defaults and rules are scikit-learn's. The command line takes each as a flag in",
        "kebab-case (``learning_rate_init`` is ``--learning-rate-init``), Python as the",
        "estimator's keyword.",
        "",
    ]
    for title, kind in kinds:
        lines += [title, "-" * len(title), "", ".. list-table::", "   :header-rows: 1", "   :widths: 18 12 20 50", ""]
        lines += ["   * - name", "     - default", "     - values", "     - what it does"]
        for name, default, value_kind, choices, doc in _core.specs(kind):
            values = ", ".join(f"``{c}``" for c in choices) if choices else _cell(value_kind)
            lines += [
                f"   * - ``{name}``",
                f"     - ``{default}``" if default else "     - (empty)",
                f"     - {values}",
                f"     - {_cell(doc)}",
            ]
        lines.append("")
    target = HERE / "guide" / "hyperparameters.rst"
    text = "\n".join(lines)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


write_hyperparameters()
os.environ.setdefault("MPLBACKEND", "Agg")

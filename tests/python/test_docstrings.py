"""Every public class, method, function and parameter of the Python package has its own
docstring text (numpydoc style: a ``Parameters`` section whose entry for each parameter says
something), so that ``help()``, an IDE and the site's API reference describe neurona itself.

Methods that neurona's classes inherit from scikit-learn (``get_params``, ``score``,
``set_fit_request``...) keep scikit-learn's docstrings, which document them as they run; they
are checked for a docstring only. Functions of the compiled extension (``set_num_threads``)
have no Python signature to parse sections against: their docstrings come from the Rust
binding's doc comments and must name each parameter in code marks.
"""

import inspect
import pydoc
import re

import pytest

import neurona

PUBLIC = [name for name in neurona.__all__ if name != "__version__"]
CLASSES = [getattr(neurona, name) for name in PUBLIC if inspect.isclass(getattr(neurona, name))]
FUNCTIONS = [getattr(neurona, name) for name in PUBLIC if not inspect.isclass(getattr(neurona, name))]


def documented_parameters(doc, section="Parameters"):
    """``{name: description}`` of a numpydoc section of ``doc`` (names listed together, ``a, b :
    int``, each get the shared description)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    entries, current, inside = {}, None, False
    for i, line in enumerate(lines):
        underlined = i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip())
        if underlined:
            inside = line.strip() == section
            current = None
            continue
        if not inside or re.fullmatch(r"-{3,}", line.strip()):
            continue
        if line and not line[0].isspace():
            names = line.split(" : ")[0]
            current = [name.strip() for name in names.split(",")]
            for name in current:
                entries[name] = ""
        elif current is not None and line.strip():
            for name in current:
                entries[name] += " " + line.strip()
    return {name: text.strip() for name, text in entries.items()}


def parameters(function):
    return [name for name in inspect.signature(function).parameters if name not in ("self", "cls")]


def own_methods(cls):
    """The public methods of ``cls`` whose code is neurona's (not inherited from
    scikit-learn), and the others."""
    own, inherited = [], []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            attribute = getattr(cls, name)
        except AttributeError:  # available_if: partial_fit of an instance's solver
            continue
        if not callable(attribute):
            continue
        module = getattr(attribute, "__module__", "") or ""
        (own if module.startswith("neurona") else inherited).append((name, attribute))
    return own, inherited


def test_the_parser_reads_numpydoc_sections():
    doc = """Summary.

    Parameters
    ----------
    a : int, default=1
        What a does.
    b, c : float
        What b and c do,
        on two lines.
    d : str

    Returns
    -------
    e : int
        Not a parameter.
    """
    assert documented_parameters(doc) == {
        "a": "What a does.",
        "b": "What b and c do, on two lines.",
        "c": "What b and c do, on two lines.",
        "d": "",
    }


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_constructor_parameter_is_described_by_its_class(cls):
    # A class's own docstring, not one inherited from a base class.
    assert cls.__dict__.get("__doc__"), f"{cls.__name__} has no docstring of its own"
    described = documented_parameters(cls.__doc__)
    missing = [name for name in parameters(cls.__init__) if not described.get(name)]
    assert not missing, f"{cls.__name__}: parameters without a description in its docstring: {missing}"
    unknown = sorted(set(described) - set(parameters(cls.__init__)))
    assert not unknown, f"{cls.__name__}: the docstring describes parameters it does not take: {unknown}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_fitted_attribute_section_entry_says_something(cls):
    attributes = documented_parameters(cls.__doc__, "Attributes")
    assert attributes, f"{cls.__name__} has no Attributes section"
    assert all(attributes.values()), f"{cls.__name__}: attributes without a description: {attributes}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_public_method_describes_its_parameters(cls):
    own, inherited = own_methods(cls)
    assert own, f"{cls.__name__} has no public method of its own"
    problems = []
    for name, method in own:
        doc = inspect.getdoc(method)
        if not doc:
            problems.append(f"{name}: no docstring")
            continue
        described = documented_parameters(method.__doc__)
        missing = [p for p in parameters(method) if not described.get(p)]
        if missing:
            problems.append(f"{name}: parameters without a description: {missing}")
    for name, method in inherited:
        if not inspect.getdoc(method):
            problems.append(f"{name} (inherited): no docstring")
    assert not problems, f"{cls.__name__}: " + "; ".join(problems)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_help_shows_each_method_s_whole_text(cls):
    # Methods whose sections are composed from shared entries (``_docs.method``) must still
    # read whole in ``help()``: the summary, then every section and entry.
    own, _ = own_methods(cls)
    problems = []
    for name, method in own:
        shown = " ".join(pydoc.render_doc(method, renderer=pydoc.plaintext).split())
        doc = inspect.getdoc(method)
        summary = " ".join(doc.split("\n\n")[0].split())
        if summary not in shown:
            problems.append(f"{name}: the summary is not shown")
        for section in ("Parameters", "Returns"):
            for entry, text in documented_parameters(method.__doc__, section).items():
                if entry not in shown or text not in shown:
                    problems.append(f"{name}: {section} entry {entry!r} is not shown whole")
    assert not problems, f"{cls.__name__}: " + "; ".join(problems)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda function: function.__name__)
def test_every_function_describes_its_parameters(function):
    doc = function.__doc__
    assert doc and doc.strip(), f"{function.__name__} has no docstring"
    if inspect.isbuiltin(function):
        # The extension's functions: each parameter named in code marks in the Rust doc comment.
        for name in parameters(function):
            assert re.search(rf"`{re.escape(name)}\b", doc), f"{function.__name__}: parameter {name} is not described"
        return
    described = documented_parameters(doc)
    missing = [p for p in parameters(function) if not described.get(p)]
    assert not missing, f"{function.__name__}: parameters without a description: {missing}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_the_notebook_display_links_to_the_site_and_describes_each_parameter(cls):
    html = cls()._repr_html_()
    page = f"api/neurona.{cls.__name__}.html"
    assert page in html, f"{cls.__name__}'s HTML display does not link to {page}"
    for name in parameters(cls.__init__):
        # scikit-learn's parameter table links each name to its docstring entry, with the
        # entry as the tooltip (shown only when the estimator has a page).
        assert f"text={name}," in html, f"{cls.__name__}: no tooltip link for {name}"
    assert html.count('class="param-doc-description"') >= len(parameters(cls.__init__))


def test_a_subclass_defined_elsewhere_gets_no_link_to_neurona_pages():
    class Mine(neurona.MLPClassifier):
        pass

    assert "api/neurona." not in Mine()._repr_html_()

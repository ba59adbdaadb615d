"""Every example in the library's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gridkit
from conftest import ROOT

WITH_EXAMPLES = sorted(
    info.name for info in pkgutil.walk_packages(gridkit.__path__, "gridkit.")
    if ">>>" in (ROOT / (info.name.replace(".", "/") + ("/__init__.py" if info.ispkg else ".py"))).read_text("utf-8")
)


def test_the_library_has_examples():
    assert {"gridkit.pipeline", "gridkit.progress", "gridkit.geometry", "gridkit.address"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples name the samples relative to the repository
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""Every input variant of tests/input_variants.py through the command line: real towns' data in any CRS,
layout and register works (exit 0, a plan that validates against its input); bad input is refused with
one line naming the file, layer, feature or row and the problem, exit 2, nothing written."""

from __future__ import annotations

import pytest

from input_variants import VARIANTS, run_variant


@pytest.mark.parametrize("name", list(VARIANTS))
def test_input_variant(name, tmp_path):
    outcome = run_variant(name, tmp_path, full=name in ("chinese_columns", "shapefiles_gbk"))
    assert not outcome.traceback, outcome.stderr
    assert outcome.problem == "", f"{outcome.problem}\n{outcome.stderr}"

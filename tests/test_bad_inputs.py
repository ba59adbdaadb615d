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


def test_a_folder_nobody_may_write_in_is_an_input_error_for_library_callers_too(hk_plan, tmp_path):
    """``write_plan`` without ``check_output`` (a notebook): the system's refusal is one clear InputError."""
    import gridkit
    from input_variants import _immutable

    locked = tmp_path / "locked"
    locked.mkdir()
    _immutable(locked, True)
    try:
        with pytest.raises(gridkit.InputError, match=r"locked/plan\.gpkg: cannot be written: Operation not permitted"):
            gridkit.write_plan(hk_plan, locked / "plan.gpkg")
    finally:
        _immutable(locked, False)
    assert not list(locked.iterdir())

"""Shared fixtures: the real samples, and plans made from them once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

import gridkit

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.gpkg"))

# Property tests are reproducible: the same examples every run, no example database,
# no deadline (two shared cores make timings noisy). Each test sets its example count.
settings.register_profile("gridkit", derandomize=True, database=None, deadline=None)
settings.load_profile("gridkit")


@pytest.fixture(scope="session")
def samples() -> list[Path]:
    assert SAMPLES, "data/samples has no GeoPackage"
    return SAMPLES


@pytest.fixture(scope="session")
def hk_path() -> Path:
    return ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"


@pytest.fixture(scope="session")
def hk_plan(hk_path):
    return gridkit.partition(gridkit.read_area(hk_path), "default", seed=0)


@pytest.fixture(scope="session")
def plan_file(hk_plan, tmp_path_factory) -> Path:
    """The Tsim Sha Tsui plan written to a GeoPackage (read-only for the tests)."""
    path = tmp_path_factory.mktemp("plan") / "plan.gpkg"
    gridkit.write_plan(hk_plan, path)
    return path


@pytest.fixture(scope="session")
def plan(plan_file):
    """The Tsim Sha Tsui plan as read back from its file."""
    return gridkit.read_plan(plan_file)


@pytest.fixture(scope="session")
def postgis_url():
    """URL of a real PostgreSQL 15 + PostGIS 3 database, started for this session (tests/pgcluster.py)."""
    from pgcluster import postgis_cluster

    with postgis_cluster() as url:
        yield url

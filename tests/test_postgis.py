"""PostGIS in and out, against a real PostgreSQL + PostGIS server (tests/pgcluster.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
import pytest

import gridkit
from gridkit.io import postgis

ROOT = Path(__file__).resolve().parents[1]


def _url(base: str, schema: str, **layers: str) -> str:
    return base + f"&schema={schema}" + "".join(f"&{k}={quote(v)}" for k, v in layers.items())


def _connect(base: str) -> psycopg.Connection:
    params = dict(p.split("=", 1) for p in base.split("?", 1)[1].split("&"))
    return psycopg.connect(host=params["host"], port=int(params["port"]), user="postgres", dbname="gridkit",
                           autocommit=True)


def _snapshot(base: str, schema: str) -> dict:
    """Every table of ``schema`` with its row count and content digest, and the staging schemas left over."""
    with _connect(base) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,))]
        content = {t: conn.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                                   f'FROM "{schema}"."{t}" t').fetchone() for t in tables}
        staging = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gridkit_staging_%'")]
    return {"tables": content, "staging": staging}


@pytest.fixture(scope="module")
def input_schema(postgis_url, hk_path):
    """The Hong Kong sample's layers as tables of schema ``hk_input``."""
    with _connect(postgis_url) as conn:
        conn.execute("CREATE SCHEMA hk_input")
    engine_url = postgis._parse(_url(postgis_url, "hk_input"), ()).url
    from sqlalchemy import create_engine

    engine = create_engine(engine_url)
    with engine.begin() as conn:
        for name, _ in pyogrio.list_layers(hk_path):
            frame = pyogrio.read_dataframe(hk_path, layer=name)
            frame.rename_geometry("geom").to_postgis(name, conn, schema="hk_input", index=False)
    engine.dispose()
    return _url(postgis_url, "hk_input")


def test_input_from_postgis_gives_the_same_plan_as_the_file(input_schema, hk_plan):
    area = gridkit.read_area(input_schema)
    assert area.source == input_schema and len(area.source_hash) == 64
    plan = gridkit.partition(area, "default", seed=0)
    assert plan.grids["code"].tolist() == hk_plan.grids["code"].tolist()
    assert plan.grids["households"].tolist() == hk_plan.grids["households"].tolist()
    assert sorted(plan.buildings["building_id"]) == sorted(hk_plan.buildings["building_id"])


def test_a_layer_may_be_a_query(input_schema, postgis_url, hk_path):
    everything = pyogrio.read_dataframe(hk_path, layer="buildings")
    query = "SELECT * FROM hk_input.buildings WHERE ST_Area(geom::geography) > 500"
    layers = gridkit.io.read.read_layers(_url(postgis_url, "hk_input", buildings=query))
    assert 0 < len(layers["buildings"]) < len(everything)
    assert layers["buildings"].to_crs(32650).geometry.area.min() > 499
    assert {"roads", "boundary"} <= set(layers)  # the other layers still come from the schema


def test_password_never_reaches_the_run_table():
    assert postgis.redact("postgresql://ana:s3cret@db.example/city?schema=a") == \
        "postgresql://ana:***@db.example/city?schema=a"
    assert "s3cret" not in postgis.redact("postgresql://ana@db.example/city?password=s3cret&schema=a")


def test_the_cli_never_prints_the_password_of_a_postgis_output(postgis_url, hk_path):
    """`gridkit partition … -o postgresql://user:password@…` printed the URL as given on stdout (a log)."""
    from typer.testing import CliRunner

    from gridkit.cli import app

    target = _url(postgis_url.replace("postgres@", "postgres:s3cret@"), "cli_plan")  # the test server trusts
    result = CliRunner().invoke(app, ["partition", str(hk_path), "-o", target, "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output and "postgres:***@" in result.output


def test_missing_table_in_a_query_is_one_clear_error(postgis_url):
    url = _url(postgis_url, "nowhere", buildings="SELECT * FROM nowhere.nothing")
    with pytest.raises(gridkit.InputError, match="layer 'buildings': cannot be read: .*nothing"):
        gridkit.read_area(url)


def test_complete_write_round_trips_and_validates(postgis_url, hk_plan):
    url = _url(postgis_url, "plan_roundtrip")
    gridkit.write_plan(hk_plan, url)
    back = gridkit.read_plan(url)
    assert back.grids["code"].tolist() == hk_plan.grids["code"].tolist()
    assert len(back.buildings) == len(hk_plan.buildings) and len(back.blocks) == len(hk_plan.blocks)
    assert back.grids.crs == hk_plan.grids.crs
    assert gridkit.validate(url).ok
    result = subprocess.run([sys.executable, "-m", "gridkit.cli", "validate", url], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr


def _other_plan(plan):
    """A different plan to write over the first: one grid fewer."""
    return gridkit.Plan(**{**plan.__dict__, "grids": plan.grids.iloc[1:].reset_index(drop=True)})


def test_write_failing_midway_leaves_the_schema_as_it_was(postgis_url, hk_plan, monkeypatch):
    url = _url(postgis_url, "plan_fail")
    gridkit.write_plan(hk_plan, url)
    before = _snapshot(postgis_url, "plan_fail")
    real, written = postgis._write_table, []

    def failing(conn, frame, name, schema, **kwargs):
        if len(written) == 3:
            raise OSError("disk full (simulated)")
        written.append(name)
        real(conn, frame, name, schema, **kwargs)

    monkeypatch.setattr(postgis, "_write_table", failing)
    with pytest.raises(OSError, match="simulated"):
        gridkit.write_plan(_other_plan(hk_plan), url)
    assert _snapshot(postgis_url, "plan_fail") == before
    assert gridkit.read_plan(url).grids["code"].tolist() == hk_plan.grids["code"].tolist()


def test_killed_writer_leaves_the_schema_as_it_was(postgis_url, hk_plan, tmp_path):
    url = _url(postgis_url, "plan_kill")
    gridkit.write_plan(hk_plan, url)
    before = _snapshot(postgis_url, "plan_kill")
    other = tmp_path / "other.gpkg"
    gridkit.write_plan(_other_plan(hk_plan), other)
    # The writer has staged every table and then dies, as a killed process would, before committing.
    script = textwrap.dedent(f"""
        import sys, time, gridkit
        def stall(staging):
            print(staging, flush=True)
            time.sleep(600)
        gridkit.write_plan(gridkit.read_plan({str(other)!r}), {url!r}, before_rename=stall)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    staging = proc.stdout.readline().strip()
    assert staging.startswith("gridkit_staging_")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while _snapshot(postgis_url, "plan_kill") != before and time.monotonic() < deadline:
        time.sleep(0.2)  # the server rolls back once it sees the connection gone
    assert _snapshot(postgis_url, "plan_kill") == before


def test_a_table_gridkit_did_not_write_is_never_replaced(postgis_url, input_schema, hk_plan):
    before = _snapshot(postgis_url, "hk_input")
    with pytest.raises(gridkit.InputError, match=r"table 'hk_input\.\w+' was not written by gridkit"):
        gridkit.write_plan(hk_plan, input_schema)
    assert _snapshot(postgis_url, "hk_input") == before


def test_a_new_write_leaves_no_layer_of_the_old_plan(postgis_url, hk_plan):
    url = _url(postgis_url, "plan_replace")
    extra = pd.DataFrame({"note": ["from the first write"]})
    gridkit.write_plan(hk_plan, url, extra={"notes": extra})
    gridkit.write_plan(_other_plan(hk_plan), url)
    tables = _snapshot(postgis_url, "plan_replace")["tables"]
    assert "notes" not in tables
    assert tables["grids"][0] == len(hk_plan.grids) - 1
    assert isinstance(gridkit.read_plan(url).grids, gpd.GeoDataFrame)

"""The quickstart notebook runs top to bottom against the real API."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_notebook_runs():
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "within_bounds" in text and "road_following" in text


def test_batch_notebook_runs_on_a_synthetic_city(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("gridkit_bench_synthetic", ROOT / "benchmarks" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    layers = synthetic.make_city(240, seed=3)
    layers["offices"] = synthetic.make_offices(layers, 6)
    city = tmp_path / "synthetic_city.gpkg"
    synthetic.write_gpkg(layers, str(city))

    nb = nbformat.read(ROOT / "notebooks" / "batch.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    params.source = f"CITY = {str(city)!r}\nOUTPUT = {str(tmp_path / 'city_plan.gpkg')!r}\nWORKERS = 2"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "6 street offices" in text and "every office finished" in text and "valid" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the choropleth
    assert (tmp_path / "city_plan.gpkg").exists()

"""Run the plugin's gridkit I/O the way it happens inside the QGIS application.

The ``qgis`` executable links QGIS's libraries, and so its GDAL, GEOS, PROJ
and SQLite, into the process's global symbol scope before any Python runs.
A plain ``python -c "import qgis.core"`` does not (Python loads extension
modules with RTLD_LOCAL), so this script first loads libqgis_core with
RTLD_GLOBAL to be in the application's situation.

    app_like.py plugin PLAN OTHER   # the plugin: QGIS has PLAN open while gridkit reads/writes it and OTHER
    app_like.py inprocess PLAN OTHER  # control: gridkit's wheels imported into that process

Prints one JSON line with what it found.
"""

from __future__ import annotations

import ctypes
import glob
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIVE = ("shapely", "pyogrio", "pyproj", "geopandas", "fiona", "gridkit", "pandas")


def load_qgis_globally() -> str:
    libs = sorted(glob.glob("/usr/lib/libqgis_core.so.*") + glob.glob("/usr/lib/*/libqgis_core.so.*"))
    if not libs:
        raise SystemExit(json.dumps({"skip": "libqgis_core not found"}))
    ctypes.CDLL(libs[-1], mode=os.RTLD_NOW | os.RTLD_GLOBAL)
    return libs[-1]


def qgis_gdal() -> str:
    """The GDAL version QGIS runs on (asked from the library already loaded, not from Python)."""
    gdal = ctypes.CDLL(None)
    gdal.GDALVersionInfo.restype = ctypes.c_char_p
    return gdal.GDALVersionInfo(b"RELEASE_NAME").decode()


def plugin(plan: str, other: str) -> dict:
    sys.path.insert(0, str(HERE))
    from qgis_env import PLUGIN_ROOT, start_qgis

    sys.path.insert(0, str(PLUGIN_ROOT))
    start_qgis()
    from qgis.core import QgsFeatureRequest, QgsVectorLayer

    from gridkit_qgis import gateway
    from gridkit_qgis.gui import planio

    out: dict = {}
    grids = QgsVectorLayer(f"{plan}|layername=grids", "grids", "ogr")
    blocks = QgsVectorLayer(f"{plan}|layername=blocks", "blocks", "ogr")
    assert grids.isValid() and blocks.isValid()
    out["qgis_grids"] = grids.featureCount()
    out["qgis_households"] = sum(int(f["households"]) for f in grids.getFeatures())
    worker = gateway.Worker()
    out["worker"] = worker.call("ping")
    # gridkit reads the plan QGIS has open.
    out["validate_before"] = worker.call("validate", {"plan": plan})["failures"]
    out["colours"] = len(worker.call("style", {"plan": plan})["colours"])
    # gridkit writes another file; QGIS reads it.
    part = gateway.run_job("partition", {"input": str(HERE.parents[1] / "data/samples/hk_tsim_sha_tsui.gpkg"),
                                         "output": other, "seed": 1})
    other_grids = QgsVectorLayer(f"{other}|layername=grids", "other", "ogr")
    out["other_result"] = [part["grids"], part["households"]]
    out["other_qgis"] = [other_grids.featureCount(), sum(int(f["households"]) for f in other_grids.getFeatures())]
    # An edit through the dock's path: the worker computes, QGIS writes the open plan, gridkit validates it.
    session = worker.call("session_open", {"plan": plan})["session"]
    records = planio.snapshot(grids)
    stats = worker_stats(worker, session, records)
    edit = None
    # The smallest grid a neighbour can give a block to (the worker refuses a move that leaves the giver in
    # pieces: try the next block, then the next grid).
    for small in sorted(records, key=lambda r: (stats[r["fid"]]["households"], r["fid"])):
        target = small["fid"]
        geom = grids.getFeature(target).geometry()
        request = QgsFeatureRequest().setFilterRect(geom.buffer(5, 2).boundingBox())
        candidates = [f for f in blocks.getFeatures(request)
                      if f["households"] and f["grid_code"] != small["code"]
                      and f.geometry().intersection(geom.buffer(0.01, 2)).area() > 0]
        for candidate in candidates:
            block = str(candidate["block_id"])
            try:
                edit = worker.call("session_edit", {"session": session, "grids": records, "op": "move",
                                                    "blocks": [block], "target": target})
                break
            except gateway.WorkerError as refused:
                out.setdefault("refused", []).append(str(refused))
        if edit is not None:
            break
    assert edit is not None, out.get("refused")
    planio.apply_edit(grids, edit, "move")
    payload = worker.call("session_save", {"session": session, "grids": planio.snapshot(grids)})
    planio.apply_edit(grids, {"update": payload["grids"]["update"], "delete": payload["grids"]["delete"]}, "save")
    assert grids.commitChanges(), grids.commitErrors()
    planio.write_payload(plan, payload, grids.crs())
    out["validate_after"] = worker.call("validate", {"plan": plan})["failures"]
    blocks.reload()
    out["block_moved"] = next(str(f["grid_code"]) for f in blocks.getFeatures() if str(f["block_id"]) == block) \
        == small["code"]
    out["qgis_households_after"] = sum(int(f["households"]) for f in QgsVectorLayer(
        f"{plan}|layername=grids", "again", "ogr").getFeatures())
    worker.close()
    out["native_in_qgis_process"] = [m for m in NATIVE if m in sys.modules]
    return out


def worker_stats(worker, session: int, records: list) -> dict:  # noqa: ANN001
    return {int(k): v for k, v in worker.call("session_check", {"session": session, "grids": records})["stats"].items()}


def inprocess(plan: str, other: str) -> dict:
    """The control: gridkit's own wheels inside the process (what the plugin avoids)."""
    import geopandas as gpd
    import pyogrio
    import shapely

    out = {"pyogrio_gdal": pyogrio.__gdal_version_string__, "shapely_geos": shapely.geos_version_string}
    try:
        frame = gpd.read_file(plan, layer="grids", engine="pyogrio")
        frame.to_file(other, layer="grids", engine="pyogrio")
        back = gpd.read_file(other, layer="grids", engine="pyogrio")
        out["roundtrip"] = bool(len(back) == len(frame))
    except Exception as exc:  # noqa: BLE001 - the finding
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


if __name__ == "__main__":
    mode, plan_path, other_path = sys.argv[1:4]
    out = {"libqgis_core": load_qgis_globally(), "qgis_gdal": qgis_gdal()}
    out.update(plugin(plan_path, other_path) if mode == "plugin" else inprocess(plan_path, other_path))
    print("RESULT " + json.dumps(out), flush=True)
    os._exit(0)

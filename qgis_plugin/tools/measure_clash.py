"""Measure what happens when gridkit's wheels share a process with QGIS's libraries (docs/qgis.md).

    .venv/bin/python qgis_plugin/tools/measure_clash.py PLAN.gpkg

Each case runs in a fresh process and prints one line:

1. in-process, QGIS's libraries in the global scope (as in the QGIS application): which GDAL
   pyogrio really calls, and whether a GeoPackage round trip works;
2. the same with the wheels loaded RTLD_DEEPBIND (bound to their own libraries);
3. two SQLite libraries in one process (Python's sqlite3 is the system SQLite, as QGIS's;
   pyogrio's GDAL carries its own): a write lock held through the system SQLite, then pyogrio
   reads the file; can another process now take the write lock?
4. the plugin's way: gridkit in a worker process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "in_process": r"""
import ctypes, glob, json, os, sys, tempfile
ctypes.CDLL(sorted(glob.glob('/usr/lib/libqgis_core.so.*'))[-1], mode=os.RTLD_NOW | os.RTLD_GLOBAL)
if DEEP:
    flags = sys.getdlopenflags(); sys.setdlopenflags(os.RTLD_NOW | os.RTLD_DEEPBIND)
    import shapely, pyproj, pyogrio
    sys.setdlopenflags(flags)
import pyogrio, geopandas as gpd
out = {"pyogrio_calls_gdal": pyogrio.__gdal_version_string__}
try:
    f = gpd.read_file(PLAN, layer="grids")
    t = os.path.join(tempfile.mkdtemp(), "x.gpkg"); f.to_file(t, layer="grids")
    out["roundtrip"] = "ok" if len(gpd.read_file(t, layer="grids")) == len(f) else "wrong"
except Exception as e:
    out["roundtrip"] = f"{type(e).__name__}: {e}"
print(json.dumps(out), flush=True)
os._exit(0)
""",
    "sqlite_locks": r"""
import json, sqlite3, subprocess, sys, shutil, tempfile, os
p = os.path.join(tempfile.mkdtemp(), "locked.gpkg"); shutil.copy(PLAN, p)
con = sqlite3.connect(p, isolation_level=None); con.execute("BEGIN IMMEDIATE")
probe = "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],timeout=0,isolation_level=None)\ntry:\n c.execute('BEGIN IMMEDIATE'); print('taken')\nexcept sqlite3.OperationalError: print('blocked')"
before = subprocess.run([sys.executable, "-c", probe, p], capture_output=True, text=True).stdout.strip()
import pyogrio; pyogrio.read_dataframe(p, layer="grids")
after = subprocess.run([sys.executable, "-c", probe, p], capture_output=True, text=True).stdout.strip()
print(json.dumps({"other_writer_before_read": before, "other_writer_after_read": after}), flush=True)
""",
}


def run(code: str, plan: str, deep: bool = False) -> str:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", f"PLAN={plan!r}\nDEEP={deep}\n" + code], capture_output=True,
                          text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    seconds = time.monotonic() - started
    if lines:
        return f"{json.loads(lines[-1])} (exit {proc.returncode}, {seconds:.1f} s)"
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return f"crashed: exit {proc.returncode}: {tail}"


def main(plan: str) -> None:
    print("1. wheels in QGIS's process:        ", run(CASES["in_process"], plan))
    print("2. same, wheels RTLD_DEEPBIND:      ", run(CASES["in_process"], plan, deep=True))
    print("3. two SQLite copies in one process:", run(CASES["sqlite_locks"], plan))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from gridkit_qgis import gateway

    started = time.monotonic()
    worker = gateway.Worker(sys.executable)
    ping = worker.call("ping")
    startup = time.monotonic() - started
    t = time.monotonic()
    failures = worker.call("validate", {"plan": plan})["failures"]
    validate = time.monotonic() - t
    t = time.monotonic()
    worker.call("style", {"plan": plan})
    call = time.monotonic() - t
    worker.close()
    print(f"4. worker process: GDAL {ping['gdal']}, GEOS {ping['geos']}; start {startup:.1f} s, "
          f"validate {validate:.1f} s (failures {failures}), a small call {call * 1000:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir() + "/plan.gpkg")

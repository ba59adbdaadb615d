"""Screenshots of the real QGIS application with the plugin's dock over a real sample (docs/img/).

    bash scripts/qgis-screenshot.sh        # runs this for each picture

The sample is partitioned by gridkit into a folder under the home directory (QGIS counts layers in
the system's temporary folder as temporary), then real QGIS is started under Xvfb in the given
locale with the plugin installed in a throw-away profile (tests/qgis/real_qgis.py); it opens the plan
in the dock, optionally starts dragging a box over a small grid (the live preview), grabs its main
window and quits.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "qgis"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--locale", default="zh_CN")
    ap.add_argument("--sample", default="cn_shanghai_bund")
    ap.add_argument("--preview", action="store_true", help="grab while a box drag shows its preview")
    args = ap.parse_args()

    import gridkit
    from real_qgis import run_qgis

    folder = Path(tempfile.mkdtemp(prefix="gridkit-shot-", dir=Path.home()))
    try:
        plan = folder / f"{args.sample}_plan.gpkg"
        gridkit.write_plan(gridkit.partition(gridkit.read_area(ROOT / "data" / "samples" / f"{args.sample}.gpkg"),
                                             "default", seed=0), plan)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        seen, run = run_qgis(plan, locale=args.locale, shot=args.out.resolve(), preview=args.preview)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not seen or not seen.get("shot"):
        print((run.stdout + run.stderr)[-3000:], seen, file=sys.stderr)
        return 1
    from PIL import Image

    # A palette of 256 colours keeps the picture small enough for the docs without visible loss.
    Image.open(args.out).convert("RGB").quantize(256).save(args.out, optimize=True)
    print(f"{args.out}: {seen['grids']} grids, {seen['violations']} violation(s), QGIS locale {seen['qt_locale']}"
          + (f"; preview: {seen['preview_status']}" if args.preview else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

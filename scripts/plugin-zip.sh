#!/usr/bin/env bash
# Build the installable QGIS plugin: dist/gridkit_qgis.zip (the `make plugin` of this repository).
# Compiles the translations (.ts -> .qm with lrelease) and bundles the gridkit library in
# gridkit_qgis/lib/, so the zip needs only gridkit's third-party packages (see docs/qgis.md).
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN=qgis_plugin/gridkit_qgis
OUT=${1:-dist/gridkit_qgis.zip}

LRELEASE=""
for cand in lrelease /usr/lib/qt5/bin/lrelease /usr/lib/x86_64-linux-gnu/qt5/bin/lrelease pyside6-lrelease \
            pyside2-lrelease; do
  if command -v "$cand" >/dev/null 2>&1; then LRELEASE=$cand; break; fi
done
if [ -z "$LRELEASE" ]; then
  echo "plugin-zip: lrelease not found: apt-get install qttools5-dev-tools (or pip install pyside6)" >&2
  exit 1
fi

# Every translatable string must have its translation.
python3 qgis_plugin/tools/update_ts.py --check

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/gridkit_qgis"
# The plugin, without caches or build output.
tar -C "$PLUGIN" --exclude='__pycache__' --exclude='*.pyc' --exclude='*.qm' --exclude='./lib' -cf - . \
  | tar -C "$STAGE/gridkit_qgis" -xf -
for ts in "$PLUGIN"/i18n/*.ts; do
  qm="$STAGE/gridkit_qgis/i18n/$(basename "${ts%.ts}").qm"
  "$LRELEASE" -silent "$ts" -qm "$qm"
  # The source tree gets the .qm too (git-ignored), so the plugin runs translated from a clone.
  cp "$qm" "$PLUGIN/i18n/"
done
# The gridkit library itself (pure Python; profiles and fonts included).
mkdir -p "$STAGE/gridkit_qgis/lib"
tar --exclude='__pycache__' --exclude='*.pyc' -cf - gridkit | tar -C "$STAGE/gridkit_qgis/lib" -xf -
cp LICENSE "$STAGE/gridkit_qgis/" 2>/dev/null || true

mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
python3 - "$STAGE" "$OUT_ABS" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            z.write(path, os.path.relpath(path, stage))
PY
echo "plugin-zip: wrote $OUT ($(python3 -c "import os,sys; print(os.path.getsize(sys.argv[1])//1024)" "$OUT") KiB)"

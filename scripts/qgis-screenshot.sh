#!/usr/bin/env bash
# Screenshots of the QGIS plugin's dock over a real sample, under Xvfb: docs/img/qgis_dock.png and
# docs/img/qgis_dock_zh.png (locale zh_CN). Needs scripts/setup.sh (python3-qgis, xvfb) and the
# compiled translation (bash scripts/plugin-zip.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f qgis_plugin/gridkit_qgis/i18n/gridkit_qgis_zh_CN.qm ] || bash scripts/plugin-zip.sh >/dev/null
DISPLAY_NUM=${GRIDKIT_XVFB_DISPLAY:-:97}
Xvfb "$DISPLAY_NUM" -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$DISPLAY_NUM QT_QPA_PLATFORM=xcb GRIDKIT_PYTHON=${GRIDKIT_PYTHON:-$PWD/.venv/bin/python}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}
.venv/bin/python qgis_plugin/tools/screenshot.py docs/img/qgis_dock.png en
.venv/bin/python qgis_plugin/tools/screenshot.py docs/img/qgis_dock_zh.png zh_CN

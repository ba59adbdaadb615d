#!/usr/bin/env bash
# Screenshots of the real QGIS application with the plugin's dock over the Shanghai sample, under Xvfb:
# docs/img/qgis_dock_zh.png (QGIS in 简体中文), docs/img/qgis_preview_zh.png (a box drag's live preview) and
# docs/img/qgis_dock.png (English). Needs scripts/setup.sh (qgis, xvfb) and the compiled translation.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f qgis_plugin/gridkit_qgis/i18n/gridkit_qgis_zh_CN.qm ] || bash scripts/plugin-zip.sh >/dev/null
export GRIDKIT_PYTHON=${GRIDKIT_PYTHON:-$PWD/.venv/bin/python}
.venv/bin/python qgis_plugin/tools/screenshot.py docs/img/qgis_dock_zh.png --locale zh-Hans
.venv/bin/python qgis_plugin/tools/screenshot.py docs/img/qgis_preview_zh.png --locale zh-Hans --preview
.venv/bin/python qgis_plugin/tools/screenshot.py docs/img/qgis_dock.png --locale en

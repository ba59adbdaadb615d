#!/usr/bin/env bash
# Install what gridkit needs on Debian 12, into ./.venv. Safe to run again.
# System packages: Python with venv, a CJK font for maps and fonts for the other scripts of China's names
# (Tibetan, Uyghur, Mongolian, Yi: fonts-noto-core; Korean: fonts-nanum), poppler for PDF checks;
# QGIS 3.22 (python3-qgis, and the qgis application for the real-QGIS tests and screenshots),
# lrelease (qttools5-dev-tools) and Xvfb for the QGIS plugin, its tests and its screenshots (docs/qgis.md);
# PostgreSQL 15 + PostGIS 3 for the PostGIS tests (they start a throw-away cluster, tests/pgcluster.py).
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(python3 python3-venv python3-pip fonts-droid-fallback fonts-dejavu-core fonts-noto-core fonts-nanum
              poppler-utils
              python3-qgis qgis qttools5-dev-tools xvfb postgresql-15-postgis-3)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's python3 (not a pyenv shim): the same interpreter QGIS uses.
PY=/usr/bin/python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,bench,postgis,batch]"

#!/usr/bin/env bash
# Install (if needed), then partition the bundled Shanghai sample and draw its map into out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gridkit demo -o out/demo

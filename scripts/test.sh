#!/usr/bin/env bash
# Install (if needed), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Types first (configured in pyproject.toml [tool.mypy]): a type error fails the run before the tests.
.venv/bin/python -m mypy
.venv/bin/python -m pytest -q "$@"

"""Which Python runs gridkit for the plugin, and whether it has what gridkit needs.

No Qt and no third-party import here: this runs inside QGIS at plugin load,
before anything else, and must never fail with an import traceback.

gridkit runs in a worker process (docs/qgis.md), so its Python need not be
the one QGIS embeds. The worker's Python is, in this order: the
``GRIDKIT_PYTHON`` environment variable; the plugin setting; the plugin's own
virtual environment (:func:`default_venv`) when it exists; the Python QGIS is
built on. A separate virtual environment is what the install command
suggests: gridkit's wheels (numpy 2, GDAL, GEOS, PROJ) then never shadow the
packages QGIS's own Python and its other plugins use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PLUGIN_DIR", "requirements", "default_venv", "venv_python", "qgis_python", "worker_python",
           "worker_env", "check", "DependencyReport", "install_command", "library_source"]

PLUGIN_DIR = Path(__file__).resolve().parent
#: Bundled copy of the gridkit library (made by scripts/plugin-zip.sh), used when present.
BUNDLED_LIB = PLUGIN_DIR / "lib"
#: Import name of each distribution whose import name differs.
_IMPORT_NAMES = {"pyyaml": "yaml"}
_PROBE = r"""
import importlib.util, importlib.metadata, json, os, sys, sysconfig
reqs = json.loads(sys.argv[1])
def parse(v):
    out = []
    for p in v.split("."):
        digits = "".join(ch for ch in p if ch.isdigit()) if p[:1].isdigit() else ""
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)
missing, old = [], []
for name, module, least in reqs:
    if importlib.util.find_spec(module) is None:
        missing.append(name)
        continue
    if least:
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have is not None and parse(have) < parse(least):
            old.append([name, have, least])
stdlib = sysconfig.get_path("stdlib") or ""
profiles = []
spec = importlib.util.find_spec("gridkit")
if spec is not None and spec.submodule_search_locations:
    folder = os.path.join(list(spec.submodule_search_locations)[0], "profiles")
    if os.path.isdir(folder):
        profiles = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".toml"))
print(json.dumps({
    "python": sys.executable, "version": list(sys.version_info[:3]),
    "missing": missing, "old": old,
    "venv": sys.prefix != sys.base_prefix,
    "externally_managed": os.path.exists(os.path.join(stdlib, "EXTERNALLY-MANAGED")),
    "pip": importlib.util.find_spec("pip") is not None,
    "gridkit": (importlib.util.find_spec("gridkit").origin if importlib.util.find_spec("gridkit") else None),
    "profiles": profiles,
}))
"""
#: gridkit's own least Python.
MIN_PYTHON = (3, 11)


def requirements() -> list[tuple[str, str, str]]:
    """(distribution, import name, least version) of every third-party package gridkit needs."""
    out = []
    for line in (PLUGIN_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, least = line.partition(">=")
        name = name.strip()
        out.append((name, _IMPORT_NAMES.get(name.lower(), name.replace("-", "_")), least.strip()))
    return out


def default_venv() -> Path:
    """The plugin's own virtual environment for gridkit (suggested by the install command)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "gridkit_qgis" / "venv"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def qgis_python() -> str:
    """The Python interpreter QGIS's own Python is (sys.executable inside QGIS is QGIS itself)."""
    name = Path(sys.executable).name.lower()
    if sys.prefix != sys.base_prefix and name.startswith("python"):
        return sys.executable  # QGIS's Python started from a virtual environment
    # Inside the QGIS application sys.executable is QGIS, or whatever `python3` PATH finds first;
    # the interpreter of the same installation is found from the prefix.
    major, minor = sys.version_info[:2]
    base = Path(sys.base_exec_prefix)
    for candidate in (base / "bin" / f"python{major}.{minor}", base / "bin" / "python3", base / "python.exe",
                      base / "python3.exe"):
        if candidate.exists():
            return str(candidate)
    if name.startswith("python"):
        return sys.executable
    return shutil.which("python3") or shutil.which("python") or sys.executable


def worker_python(setting: str | None = None) -> str:
    """The Python that runs gridkit's worker (see the module docstring for the order)."""
    for given in (os.environ.get("GRIDKIT_PYTHON"), setting):
        if given:
            return given
    venv = venv_python(default_venv())
    if venv.exists():
        return str(venv)
    return qgis_python()


def worker_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the worker: the plugin (and a bundled gridkit) importable, Agg for matplotlib."""
    env = dict(os.environ if base is None else base)
    paths = [str(PLUGIN_DIR.parent)]
    if (BUNDLED_LIB / "gridkit").is_dir():
        paths.insert(0, str(BUNDLED_LIB))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONIOENCODING"] = "utf-8"
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONSTARTUP", None)
    return env


@dataclass
class DependencyReport:
    """What :func:`check` found about the worker's Python."""

    python: str
    ok: bool
    missing: list[str] = field(default_factory=list)
    old: list[tuple[str, str, str]] = field(default_factory=list)
    version: tuple[int, ...] = ()
    venv: bool = False
    externally_managed: bool = False
    pip: bool = True
    problem: str = ""
    gridkit: str | None = None
    profiles: list[str] = field(default_factory=list)

    @property
    def needs(self) -> list[str]:
        """The requirement lines to install."""
        wanted = {n for n in self.missing} | {n for n, _, _ in self.old}
        return [f"{n}>={least}" if least else n for n, _, least in requirements() if n in wanted]


def check(python: str | None = None, *, timeout: float = 60.0) -> DependencyReport:
    """Probe the worker's Python for gridkit's dependencies without importing any of them."""
    python = python or worker_python()
    reqs = list(requirements())
    if not (BUNDLED_LIB / "gridkit").is_dir():
        reqs.append(("gridkit", "gridkit", ""))
    try:
        run = subprocess.run([python, "-c", _PROBE, json.dumps(reqs)], capture_output=True, text=True,
                             timeout=timeout, env=worker_env(), **_hidden_window())
    except (OSError, subprocess.SubprocessError) as exc:
        return DependencyReport(python=python, ok=False, problem=f"cannot run {python}: {exc}")
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return DependencyReport(python=python, ok=False, problem=f"{python} failed: {last}")
    data = json.loads(run.stdout.strip().splitlines()[-1])
    version = tuple(data["version"])
    report = DependencyReport(python=python, ok=False, missing=data["missing"],
                              old=[tuple(o) for o in data["old"]], version=version, venv=data["venv"],
                              externally_managed=data["externally_managed"], pip=data["pip"],
                              gridkit=data.get("gridkit"), profiles=data.get("profiles") or [])
    if version[:2] < MIN_PYTHON:
        report.problem = (f"{python} is Python {'.'.join(map(str, version))}; gridkit needs "
                          f"{'.'.join(map(str, MIN_PYTHON))} or later")
    report.ok = not (report.missing or report.old or report.problem)
    return report


def _quote(arg: str) -> str:
    if sys.platform == "win32":
        return f'"{arg}"' if (" " in arg or ">" in arg or "<" in arg) else arg
    import shlex

    return shlex.quote(arg)


def library_source() -> Path | None:
    """The source folder gridkit can be installed from when the plugin has no bundled copy: the clone of the
    repository the plugin runs from; None for a plugin folder copied on its own. Never PyPI's ``gridkit``,
    which is another project."""
    if (BUNDLED_LIB / "gridkit").is_dir():
        return None
    repo = PLUGIN_DIR.parent.parent
    return repo if (repo / "pyproject.toml").exists() and (repo / "gridkit").is_dir() else None


def install_command(report: DependencyReport) -> str:
    """The exact shell command that gives the worker what it lacks.

    The command makes (if needed) the plugin's own virtual environment and
    installs gridkit's requirements there, so QGIS's Python is left as it is.
    A report about a Python the user chose (``GRIDKIT_PYTHON``, a venv) gets
    a pip command for that Python instead.
    """
    needs = report.needs or [f"{n}>={least}" if least else n for n, _, least in requirements()]
    needs = [n for n in needs if n != "gridkit"]
    if "gridkit" in report.missing and library_source() is not None:
        needs.append(str(library_source()))  # the plugin in a clone of the repository: gridkit from the clone
    packages = " ".join(_quote(n) for n in needs)
    venv = default_venv()
    target = venv_python(venv)
    chosen = Path(report.python)
    if report.venv or os.environ.get("GRIDKIT_PYTHON") or chosen == target:
        return f"{_quote(str(chosen))} -m pip install {packages}"
    base = str(chosen)
    if report.problem and "needs" in report.problem:
        base = f"python{MIN_PYTHON[0]}.{MIN_PYTHON[1]}"  # too old to make the venv: a newer Python must
    return (f"{_quote(base)} -m venv {_quote(str(venv))} && "
            f"{_quote(str(target))} -m pip install {packages}")


def _hidden_window() -> dict:
    """No console window flashing up on Windows."""
    if sys.platform == "win32":
        return {"creationflags": 0x08000000}  # CREATE_NO_WINDOW
    return {}

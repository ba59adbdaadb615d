"""A throw-away PostgreSQL + PostGIS server for the tests: a real cluster in a temporary folder.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` system user
(created by Debian's postgresql package) and its commands run through ``runuser``. The server
listens on a Unix socket in its own folder only (no TCP port to collide with), and is stopped and
deleted when the test session ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_MAJOR = "15"
PORT = 5432


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    preferred = [p for p in found if p.parts[-3] == PG_MAJOR] or found
    if not preferred:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh (apt: postgresql-15-postgis-3)")
    return preferred[-1].parent


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start(folder: Path) -> None:
    """Start (or start again) the server of the cluster in ``folder``."""
    # fsync off: the cluster is deleted after the tests, durability across crashes does not matter.
    options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_owner([str(_bindir() / "pg_ctl"), "-D", str(folder / "data"), "-o", options, "-l",
                              str(folder / "server.log"), "-w", "start"]), check=True, capture_output=True)


def stop(folder: Path) -> None:
    """Stop the server of the cluster in ``folder`` at once (connections are cut)."""
    subprocess.run(_as_owner([str(_bindir() / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
                   capture_output=True)


def folder_of(url: str) -> Path:
    """The cluster folder of a URL that :func:`postgis_cluster` gave."""
    return Path(url.split("host=")[1].split("&")[0])


@contextmanager
def postgis_cluster() -> Iterator[str]:
    """Start a cluster with a ``gridkit`` database that has PostGIS; yield its URL."""
    import psycopg

    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="gridkit-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    try:
        subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                  "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
        start(folder)
        with psycopg.connect(host=str(folder), port=PORT, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE gridkit")
        with psycopg.connect(host=str(folder), port=PORT, user="postgres", dbname="gridkit",
                             autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield f"postgresql://postgres@/gridkit?host={folder}&port={PORT}"
    finally:
        if (data / "postmaster.pid").exists():
            stop(folder)
        shutil.rmtree(folder, ignore_errors=True)

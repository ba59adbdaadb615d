"""Typed errors. The CLI turns each into one clear line on stderr and exit code 2."""

from __future__ import annotations

import re

__all__ = ["GridkitError", "GridkitWarning", "InputError", "NoBuildings", "ProfileError", "PlanError", "Unavailable", "Cancelled", "reason"]

# GDAL's advice to name a driver ('CSV:path'), and the path its messages start with: the message
# gridkit writes names the file itself.
_DRIVER_HINT = re.compile(r"[.;\s]*It might help to specify the correct driver.*$")
_QUOTED_PATH = re.compile(r"^'[^']*'\s+(?=(not recognized|does not exist))")
# GDAL geometry types shapely cannot hold (ISO codes, + 1000 for Z, 2000 for M, 3000 for ZM): 3D solids.
_UNSUPPORTED_TYPE = re.compile(r"Geometry type is not supported: (\d+)")
_SOLIDS = {15: "PolyhedralSurface", 16: "TIN", 17: "Triangle"}
_LOCKED = re.compile(r"database is locked")
_DAMAGED = re.compile(r"database disk image is malformed|file is not a database")


class GridkitError(Exception):
    """Base class of every error gridkit reports to a user."""


class GridkitWarning(UserWarning):
    """Something a user should know of a result that was still written (the CLI prints it as one line)."""


class InputError(GridkitError):
    """The input data is missing, unreadable or cannot be right."""


class NoBuildings(InputError):
    """No building lies inside the area's boundary: nothing to divide. For one area that is a bad input;
    a batch reports such a street office as empty (a port, a park), not as failed."""


class ProfileError(GridkitError):
    """A profile file or value is wrong."""


class PlanError(GridkitError):
    """A plan file is missing, unreadable or not a gridkit plan."""


class Unavailable(GridkitError):
    """A service the data lives in cannot be reached now (a database down, restarting or full of
    connections); the same call may work later, so a batch task waits and tries again."""


class Cancelled(GridkitError):
    """The caller stopped the run (from its progress callback); nothing was written."""


def reason(exc: BaseException) -> str:
    """What a library's exception says, as the tail of one line gridkit writes after the file's name: its
    first line, without GDAL's driver hint or the path GDAL repeats; the exception's type when it says nothing.

    Examples
    --------
    >>> reason(OSError("'/x/map.png' not recognized as being in a supported file format.; It might help to "
    ...                "specify the correct driver explicitly by prefixing the file path with '<DRIVER>:'"))
    'not recognized as being in a supported file format'
    >>> reason(ValueError(""))
    'ValueError'
    >>> reason(OSError("sqlite3_prepare_v2(SELECT COUNT(*) FROM sqlite_master …) failed: file is not a database"))
    'the file is damaged (SQLite: file is not a database); copy it again from its source'
    >>> reason(OSError("sqlite3_prepare_v2(SELECT …) failed: database is locked; database is locked"))[:46]
    'the file is locked by another program writing '
    """
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    solid = _UNSUPPORTED_TYPE.search(lines[0])
    if solid:
        code = int(solid.group(1))
        return (f"its geometry, {_SOLIDS.get(code % 1000, 'type')} ({code}), is not one gridkit reads: export the "
                "layer as polygons (footprints), e.g. ogr2ogr -nlt MULTIPOLYGON OUT.gpkg IN.gpkg")
    if _LOCKED.search(lines[0]):  # SQLite under GDAL: another program is writing the GeoPackage
        return ("the file is locked by another program writing to it (SQLite: database is locked); close it there, "
                "or let it finish saving, and run again")
    damage = _DAMAGED.search(lines[0])  # SQLite under GDAL: a GeoPackage cut short or overwritten
    if damage:
        return f"the file is damaged (SQLite: {damage.group(0)}); copy it again from its source"
    return _QUOTED_PATH.sub("", _DRIVER_HINT.sub("", lines[0])).rstrip(" .;")

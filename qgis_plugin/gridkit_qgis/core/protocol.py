"""Messages between the plugin (inside QGIS) and its gridkit worker process.

A message is an 8-byte big-endian length followed by a pickle. Only plain data
crosses the pipe: ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``
(geometries as WKB) and lists, tuples and dicts of them. The reader on the
QGIS side refuses anything else (:class:`PlainUnpickler`), so unpickling a
reply can never import numpy, shapely or GDAL into the QGIS process — keeping
gridkit's native libraries out of QGIS is the point of the worker
(docs/qgis.md).

Standard library only: this module is imported on both sides.
"""

from __future__ import annotations

import io
import math
import pickle
import struct
from typing import Any, BinaryIO

__all__ = ["send", "receive", "plain", "PlainUnpickler", "ProtocolError"]

_HEADER = struct.Struct(">Q")
_PROTOCOL = 4


class ProtocolError(RuntimeError):
    """The other side closed the pipe or sent something that is not a message."""


class PlainUnpickler(pickle.Unpickler):
    """Unpickles plain data only: any class or function reference is refused."""

    def find_class(self, module: str, name: str) -> Any:  # noqa: D102 - see class docstring
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain data crosses the pipe")


def send(stream: BinaryIO, message: Any) -> None:
    """Write one message and flush."""
    data = pickle.dumps(message, protocol=_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise ProtocolError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: BinaryIO, *, plain_only: bool = True) -> Any:
    """Read one message (plain data only unless ``plain_only`` is false)."""
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    data = _read_exact(stream, size)
    if plain_only:
        return PlainUnpickler(io.BytesIO(data)).load()
    return pickle.loads(data)  # noqa: S301 - our own worker's requests


def plain(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, pandas values and geometries turned into plain data.

    Geometries (anything with a ``wkb`` attribute) become WKB bytes; NaN
    becomes ``None``.
    """
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    wkb = getattr(value, "wkb", None)
    if isinstance(wkb, bytes):
        return wkb
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return plain(tolist())
    item = getattr(value, "item", None)
    if callable(item):
        return plain(item())
    try:
        if value != value:  # NaT
            return None
    except TypeError:  # pandas NA refuses to be a bool
        return None
    return str(value)

"""The gridkit worker: a plain Python process that runs gridkit for the plugin.

Started by :mod:`gridkit_qgis.gateway` as ``python -m gridkit_qgis.core.worker``.
It reads requests ``{"id", "job", "args"}`` from stdin and answers on the
original stdout with zero or more ``{"id", "progress", "text"}`` and then one
``{"id", "result"}`` or ``{"id", "error", "kind", "traceback"}``. Anything
gridkit or its libraries print goes to stderr, never into the pipe.

Why a separate process: docs/qgis.md (gridkit's GDAL, GEOS, PROJ and SQLite
wheels must not share a process with QGIS's own).
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings


def _pipes():  # noqa: ANN202
    """The message pipes; from here on fd 1 (and sys.stdout) go to stderr."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, out


def main() -> int:
    requests, replies = _pipes()
    warnings.simplefilter("ignore")  # library warnings are noise in the plugin's log
    from .protocol import ProtocolError, receive, send

    try:
        from .jobs import JOBS
    except ImportError as exc:  # missing dependency: say which, then stop
        send(replies, {"id": 0, "error": f"cannot import gridkit in {sys.executable}: {exc}", "kind": "missing"})
        return 2
    send(replies, {"id": 0, "ready": True, "pid": os.getpid()})
    while True:
        try:
            request = receive(requests, plain_only=True)
        except ProtocolError:
            return 0
        rid = request.get("id", 0)
        job = JOBS.get(request.get("job", ""))
        if job is None:
            send(replies, {"id": rid, "error": f"unknown job {request.get('job')!r}", "kind": "internal"})
            continue

        def progress(pct: float, text: str = "", rid: int = rid) -> None:
            send(replies, {"id": rid, "progress": float(pct), "text": str(text)})

        try:
            result = job(progress, **request.get("args", {}))
            send(replies, {"id": rid, "result": result})
        except Exception as exc:  # noqa: BLE001 - every failure goes back as a message
            from gridkit.errors import GridkitError

            kind = "input" if isinstance(exc, GridkitError) else "internal"
            text = str(exc).strip() or type(exc).__name__
            if kind == "internal":
                text = f"{type(exc).__name__}: {text}"
            send(replies, {"id": rid, "error": text, "kind": kind, "traceback": traceback.format_exc()})


if __name__ == "__main__":
    sys.exit(main())

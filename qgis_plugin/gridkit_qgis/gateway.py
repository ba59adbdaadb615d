"""The plugin's only way to run gridkit: a worker process (docs/qgis.md).

:class:`Worker` starts ``python -m gridkit_qgis.core.worker`` and talks to it
through pipes (:mod:`.core.protocol`). Calls block the calling thread (a
QgsTask or a Processing algorithm, never the GUI thread for long work),
report progress through a callback and stop at once when the caller
cancels: the worker process is killed, which really stops gridkit, in the
middle of METIS if need be.

Standard library only: nothing here loads numpy, GDAL, GEOS or PROJ into
QGIS's process.
"""

from __future__ import annotations

import collections
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from . import deps
from .core.protocol import ProtocolError, receive, send

__all__ = ["Worker", "WorkerError", "Cancelled", "run_job", "shared_worker", "stop_shared_worker"]

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]

_START_TIMEOUT_S = 180.0
_POLL_S = 0.05


class WorkerError(RuntimeError):
    """gridkit failed: ``kind`` is ``input`` (bad input, message for the user), ``missing``
    (gridkit cannot be imported) or ``internal`` (a bug; ``details`` has the traceback)."""

    def __init__(self, message: str, kind: str = "internal", details: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.details = details


class Cancelled(RuntimeError):
    """The caller cancelled; the worker was stopped."""


class Worker:
    """One gridkit worker process. Thread-safe: one call at a time, others wait."""

    def __init__(self, python: str | None = None, log: Callable[[str], None] | None = None) -> None:
        self.python = python or deps.worker_python()
        self.log = log
        self._proc: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=200)
        self._lock = threading.Lock()
        self._next_id = 0
        self.pid: int | None = None

    # ------------------------------------------------------------------ process

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, is_cancelled: IsCancelled | None = None) -> None:
        if self.alive:
            return
        self._replies = queue.Queue()
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "gridkit_qgis.core.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=deps.worker_env(),
            **deps._hidden_window())
        threading.Thread(target=self._read_replies, args=(self._proc,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self._proc,), daemon=True).start()
        first = self._wait(0, None, is_cancelled, _START_TIMEOUT_S)
        self.pid = first.get("pid")

    def _read_replies(self, proc: subprocess.Popen) -> None:
        try:
            while True:
                self._replies.put(receive(proc.stdout, plain_only=True))
        except (ProtocolError, OSError, ValueError) as exc:
            self._replies.put({"closed": str(exc)})

    def _read_stderr(self, proc: subprocess.Popen) -> None:
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            self._stderr.append(line)
            if self.log is not None and line:
                try:
                    self.log(line)
                except Exception:  # noqa: BLE001 - logging must never break a run
                    pass

    def stderr_tail(self, lines: int = 20) -> str:
        return "\n".join(list(self._stderr)[-lines:])

    def kill(self) -> None:
        """Stop the process now (cancelling)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.kill()
            proc.wait(timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """Let the worker end by itself (it stops when its input closes), else kill it."""
        proc = self._proc
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.SubprocessError):
            pass
        self.kill()

    # ------------------------------------------------------------------ calls

    def _wait(self, rid: int, progress: Progress | None, is_cancelled: IsCancelled | None,
              timeout: float | None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if is_cancelled is not None and is_cancelled():
                self.kill()
                raise Cancelled("cancelled")
            try:
                msg = self._replies.get(timeout=_POLL_S)
            except queue.Empty:
                if deadline is not None and time.monotonic() > deadline:
                    self.kill()
                    raise WorkerError(f"gridkit did not answer within {timeout:.0f} s", "internal") from None
                continue
            if "closed" in msg:
                self.kill()
                raise WorkerError(f"the gridkit worker ({self.python}) stopped: "
                                  f"{self.stderr_tail(8) or msg['closed']}", "internal")
            if msg.get("id") != rid:
                continue
            if "progress" in msg:
                if progress is not None:
                    progress(msg["progress"], msg.get("text", ""))
                continue
            if "error" in msg:
                if msg.get("kind") == "missing":
                    self.kill()
                raise WorkerError(msg["error"], msg.get("kind", "internal"), msg.get("traceback", ""))
            return msg

    def call(self, job: str, args: dict[str, Any] | None = None, *, progress: Progress | None = None,
             is_cancelled: IsCancelled | None = None, timeout: float | None = None) -> Any:
        """Run ``job`` with ``args`` in the worker and return its result (plain data).

        Raises
        ------
        Cancelled
            ``is_cancelled()`` became true; the worker was killed.
        WorkerError
            gridkit failed, or the worker died.
        """
        with self._lock:
            self.start(is_cancelled)
            self._next_id += 1
            rid = self._next_id
            try:
                send(self._proc.stdin, {"id": rid, "job": job, "args": args or {}})
            except (OSError, ValueError) as exc:
                self.kill()
                raise WorkerError(f"the gridkit worker stopped: {self.stderr_tail(8) or exc}", "internal") from exc
            return self._wait(rid, progress, is_cancelled, timeout)["result"]


def run_job(job: str, args: dict[str, Any], *, progress: Progress | None = None,
            is_cancelled: IsCancelled | None = None, python: str | None = None,
            log: Callable[[str], None] | None = None) -> Any:
    """Run one job in a worker of its own, which ends with it (long runs: cancelling kills it)."""
    worker = Worker(python, log=log)
    try:
        return worker.call(job, args, progress=progress, is_cancelled=is_cancelled)
    finally:
        worker.close()


_SHARED: dict[str, Worker] = {}
_SHARED_LOCK = threading.Lock()


def shared_worker(python: str | None = None) -> Worker:
    """The long-lived worker of the editing dock (started on first use)."""
    with _SHARED_LOCK:
        python = python or deps.worker_python()
        worker = _SHARED.get(python)
        if worker is None:
            worker = _SHARED[python] = Worker(python)
        return worker


def stop_shared_worker() -> None:
    with _SHARED_LOCK:
        for worker in _SHARED.values():
            worker.close()
        _SHARED.clear()

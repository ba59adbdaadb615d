"""Background work as QgsTasks: the GUI thread only snapshots layers and applies results.

:func:`stop_all` ends it all before the plugin goes (unload, QGIS quitting, and at the latest when
Python exits: it is an ``atexit`` hook). A QgsTask whose Python ``run`` is still going when the
interpreter finalizes is stopped by Python in the middle of Qt's thread-pool thread, and Qt prints
"Qt Concurrent has caught an exception thrown from a worker thread" (seen at the exit of the QGIS
tests, whose QgsApplication never quits while a save or a rebalance may still run).
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from typing import Any

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .. import gateway
from ..gateway import Cancelled

__all__ = ["WorkerTask", "start", "QuietJob", "run_quietly", "stop_all"]

#: How long :func:`stop_all` waits for the threads to finish their Python after cancelling them.
STOP_WAIT_S = 10.0


class WorkerTask(QgsTask):
    """Runs ``work(task)`` in a worker thread; ``done(task)`` runs in the GUI thread afterwards.

    ``work`` reports progress with ``task.setProgress`` and polls
    ``task.isCanceled`` (the gateway kills gridkit's process on cancel).
    After it, ``task.result`` holds the return value, ``task.error`` the
    exception (if any) and ``task.cancelled`` whether the user cancelled.
    """

    def __init__(self, description: str, work: Callable[[WorkerTask], Any], done: Callable[[WorkerTask], None],
                 can_cancel: bool = True) -> None:
        super().__init__(description, QgsTask.CanCancel if can_cancel else QgsTask.Flags())
        self.work = work
        self.done = done
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancelled = False
        self.started = False
        self.ran = threading.Event()  # run() has returned: its thread runs no more Python

    def run(self) -> bool:  # noqa: D102 - QgsTask API
        self.started = True
        try:
            self.result = self.work(self)
            return True
        except Cancelled:
            self.cancelled = True
            return False
        except Exception as exc:  # noqa: BLE001 - shown to the user by done()
            self.error = exc
            return False
        finally:
            self.ran.set()

    def finished(self, ok: bool) -> None:  # noqa: D102 - QgsTask API (GUI thread)
        if not ok and self.isCanceled():
            self.cancelled = True
        self.done(self)


_RUNNING: set[WorkerTask] = set()


def start(task: WorkerTask) -> WorkerTask:
    """Hand a task to QGIS's task manager (keeping a reference until it is done)."""
    _RUNNING.add(task)
    original = task.done

    def done(t: WorkerTask) -> None:
        try:
            original(t)
        finally:
            _RUNNING.discard(t)

    task.done = done
    QgsApplication.taskManager().addTask(task)
    return task


class _Relay(QObject):
    """Lives in the GUI thread; a signal emitted from the job's thread is delivered there (queued)."""

    finished = pyqtSignal(object)


class QuietJob:
    """A short call of the worker off the GUI thread, outside QGIS's task manager.

    The live checks and the dock's quick edits run many times a minute: as
    QgsTasks each would show up in the task list and its completion in the
    message bar. This runs ``work(job)`` in a plain thread and ``done(job)`` in
    the GUI thread, with the same ``result``/``error``/``cancelled`` as
    :class:`WorkerTask` (``isCanceled`` is always false: the worker call is short).
    """

    def __init__(self, description: str, work: Callable[[QuietJob], Any], done: Callable[[QuietJob], None]) -> None:
        self.description = description
        self.work = work
        self.done = done
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread: threading.Thread | None = None
        self._relay = _Relay()
        self._relay.finished.connect(self._finish)

    def isCanceled(self) -> bool:  # noqa: N802 - as QgsTask
        return False

    def _run(self) -> None:
        try:
            self.result = self.work(self)
        except Cancelled:
            self.cancelled = True
        except Exception as exc:  # noqa: BLE001 - shown to the user by done()
            self.error = exc
        try:
            self._relay.finished.emit(self)
        except RuntimeError:  # the relay is gone: QGIS is closing
            pass

    def _finish(self, _: Any) -> None:
        _QUIET.discard(self)
        self.done(self)


_QUIET: set[QuietJob] = set()


def run_quietly(description: str, work: Callable[[QuietJob], Any], done: Callable[[QuietJob], None]) -> QuietJob:
    """Start a :class:`QuietJob` (a daemon thread: it never keeps QGIS from quitting)."""
    job = QuietJob(description, work, done)
    _QUIET.add(job)
    job.thread = threading.Thread(target=job._run, name=f"gridkit: {description}", daemon=True)
    job.thread.start()
    return job


def _nothing(_: Any) -> None:
    """The callback of work stopped by :func:`stop_all`: what it would update is going away."""


def stop_all(wait_s: float = STOP_WAIT_S) -> None:
    """Cancel every task and quiet job, stop the shared worker, and wait (at most ``wait_s``) until no
    thread of theirs runs Python any more. Their callbacks are dropped: the dock they would update goes.

    Safe to call more than once, and at interpreter exit (registered with :mod:`atexit`).
    """
    tasks, jobs = list(_RUNNING), list(_QUIET)
    for task in tasks:
        task.done = _nothing
        try:
            task.cancel()  # a task that has not started never will; a running one stops its worker
        except RuntimeError:  # its C++ side is gone
            pass
    for job in jobs:
        job.done = _nothing
    gateway.stop_shared_worker()  # the quiet jobs' calls return (the worker is gone)
    deadline = time.monotonic() + wait_s
    for task in tasks:
        if task.started:
            task.ran.wait(max(0.0, deadline - time.monotonic()))
    for job in jobs:
        if job.thread is not None:
            job.thread.join(max(0.0, deadline - time.monotonic()))
    _RUNNING.difference_update(tasks)
    _QUIET.difference_update(jobs)


atexit.register(stop_all)

"""Background work as QgsTasks: the GUI thread only snapshots layers and applies results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import threading

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..gateway import Cancelled

__all__ = ["WorkerTask", "start", "QuietJob", "run_quietly"]


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

    def run(self) -> bool:  # noqa: D102 - QgsTask API
        try:
            self.result = self.work(self)
            return True
        except Cancelled:
            self.cancelled = True
            return False
        except Exception as exc:  # noqa: BLE001 - shown to the user by done()
            self.error = exc
            return False

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
    threading.Thread(target=job._run, name=f"gridkit: {description}", daemon=True).start()
    return job

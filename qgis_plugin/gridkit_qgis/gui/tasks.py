"""Background work as QgsTasks: the GUI thread only snapshots layers and applies results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qgis.core import QgsApplication, QgsTask

from ..gateway import Cancelled

__all__ = ["WorkerTask", "start"]


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

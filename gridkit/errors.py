"""Typed errors. The CLI turns each into one clear line on stderr and exit code 2."""

from __future__ import annotations

__all__ = ["GridkitError", "InputError", "ProfileError", "PlanError", "Unavailable", "Cancelled"]


class GridkitError(Exception):
    """Base class of every error gridkit reports to a user."""


class InputError(GridkitError):
    """The input data is missing, unreadable or cannot be right."""


class ProfileError(GridkitError):
    """A profile file or value is wrong."""


class PlanError(GridkitError):
    """A plan file is missing, unreadable or not a gridkit plan."""


class Unavailable(GridkitError):
    """A service the data lives in cannot be reached now (a database down, restarting or full of
    connections); the same call may work later, so a batch task waits and tries again."""


class Cancelled(GridkitError):
    """The caller stopped the run (from its progress callback); nothing was written."""

"""Progress of a long run: one callback, called with the share done and the stage's name.

The library reports progress through a plain callable ``progress(fraction, stage)``,
``fraction`` rising from 0 to 1 over the whole call. The CLI draws a bar from it, the
QGIS plugin forwards it to its task, the batch runner to its log; a caller who wants none
passes nothing (:func:`silent`). A callback may raise :class:`~gridkit.errors.Cancelled`
to stop the run: the library writes nothing it has not finished.

Stages are weighted by where the CPU time goes (benchmarks/results/stages.md), so the
fraction moves at a roughly even pace on any size of input.

Examples
--------
>>> seen = []
>>> report = lambda f, s: seen.append((round(f, 2), s))
>>> inner = span(report, 0.5, 1.0)
>>> inner(0.5, "blocks")
>>> seen
[(0.75, 'blocks')]
>>> for step, p in stages(report, [("read", 1.0), ("write", 3.0)]):
...     p(1.0, step)
>>> seen[-1]
(1.0, 'write')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

__all__ = ["Progress", "silent", "span", "stages", "each"]

#: ``progress(fraction, stage)``: fraction of the whole call done (0..1), and what runs now.
Progress = Callable[[float, str], None]

T = TypeVar("T")


def silent(fraction: float, stage: str) -> None:
    """The callback that reports nothing."""


def span(progress: Progress | None, start: float, stop: float) -> Progress:
    """A callback whose 0..1 maps onto ``start..stop`` of ``progress``."""
    outer = progress or silent
    width = stop - start

    def inner(fraction: float, stage: str) -> None:
        outer(start + width * min(max(fraction, 0.0), 1.0), stage)

    return inner


def stages(progress: Progress | None,
           weights: Sequence[tuple[str | None, float]]) -> Iterator[tuple[str | None, Progress]]:
    """Split ``progress`` into consecutive stages by weight; yield ``(name, sub_callback)``.

    Each stage is announced at its start (its sub-callback called with 0), and the whole
    reaches 1 after the last stage. A stage named ``None`` is a call that names stages of its
    own (partition's first share is :func:`gridkit.plan.prepare`): it is not announced, so
    that a user sees each stage once, by the name of the work it does.

    >>> seen = []
    >>> for name, p in stages(lambda f, s: seen.append(s), [(None, 1.0), ("b", 1.0)]):
    ...     if name is None:
    ...         p(0.5, "a")  # the call's own stage
    >>> seen
    ['a', 'b', 'b']
    """
    total = sum(w for _, w in weights) or 1.0
    done = 0.0
    for name, weight in weights:
        sub = span(progress, done / total, (done + weight) / total)
        if name is not None:
            sub(0.0, name)
        yield name, sub
        done += weight
    (progress or silent)(1.0, next((name for name, _ in reversed(weights) if name is not None), ""))


def each(progress: Progress | None, items: Iterable[T], count: int, stage: str) -> Iterator[T]:
    """Yield ``items`` and report ``i / count`` after each, under ``stage``."""
    outer = progress or silent
    for i, item in enumerate(items, 1):
        yield item
        outer(i / max(count, 1), stage)

"""What a valid, good partition is: bounds, the objective, and its score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import GraphArrays

__all__ = ["Bounds", "score_labels", "cut_cost"]


@dataclass(frozen=True)
class Bounds:
    """Household bounds of the parts of one level."""

    min: int
    target: int
    max: int


def cut_cost(g: GraphArrays, labels: np.ndarray) -> float:
    """Sum of the costs of edges whose ends lie in different parts."""
    cut = labels[g.sources] != labels[g.indices]
    return float(g.cost[cut].sum() / 2)


def score_labels(g: GraphArrays, labels: np.ndarray, bounds: Bounds) -> tuple[int, int, float]:
    """Lexicographic score, lower is better: (parts out of bounds, parts, cut cost).

    ``labels``: the part (a number >= 0) of every node.

    A plan with every part within bounds beats one with fewer parts.
    """
    # Labels are part numbers >= 0, not necessarily consecutive: count only those present.
    weights = np.bincount(labels, weights=g.weight)[np.bincount(labels) > 0]
    out = int(((weights < bounds.min) | (weights > bounds.max)).sum())
    return out, len(weights), cut_cost(g, labels)

"""Region steps on plain graphs: never worse by the objective, every guarantee kept, deterministic.

SYNTHETIC: seeded random lattices with random households and cut costs.
"""

from __future__ import annotations

import numpy as np
import pytest

from gridkit.engine import Bounds, EngineSettings, partition_graph, score_labels
from gridkit.engine.state import State
from test_pairs import _lattice

BOUNDS = Bounds(60, 170, 200)


def _random_lattice(seed: int):
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 45, 12 * 8)
    costs: dict = {}
    return _lattice(12, 8, lambda i: int(weights[i]),
                    lambda u, v: costs.setdefault((u, v), float(rng.uniform(0.1, 6))))


@pytest.mark.parametrize("seed", range(6))
def test_region_steps_never_worsen_and_keep_guarantees(seed):
    g = _random_lattice(seed)
    settings = EngineSettings.from_profile().replace(seed=seed)
    assert settings.region_parts >= 2 and settings.region_sweeps > 0
    without = partition_graph(g, BOUNDS, settings.replace(region_sweeps=0)).labels
    with_regions = partition_graph(g, BOUNDS, settings).labels
    again = partition_graph(g, BOUNDS, settings).labels
    assert np.array_equal(with_regions, again)
    assert score_labels(g, with_regions, BOUNDS) <= score_labels(g, without, BOUNDS)
    s = State(g, with_regions)
    for p in s.parts():
        assert len(s.components(s.members[p])) == 1
        assert s.weight[p] <= BOUNDS.max


def test_region_steps_lower_the_cut_somewhere():
    """Over a few random lattices the region steps find a lower cut at least once (else they do nothing)."""
    gains = []
    for seed in range(6):
        g = _random_lattice(seed)
        settings = EngineSettings.from_profile().replace(seed=seed)
        a = score_labels(g, partition_graph(g, BOUNDS, settings.replace(region_sweeps=0)).labels, BOUNDS)
        b = score_labels(g, partition_graph(g, BOUNDS, settings).labels, BOUNDS)
        gains.append(a[2] - b[2] if a[:2] == b[:2] else 0.0)
    assert max(gains) > 0


def test_a_piece_above_one_count_min_blocks_gets_one_start(monkeypatch):
    """Such a piece is asked for one count with room in every part, so the part it has more than the
    households need does not send it on to a start blind to the cut costs (a second METIS call)."""
    import gridkit.engine.run as run

    g = _random_lattice(0)
    calls = []
    real = run.metis_seed
    monkeypatch.setattr(run, "metis_seed", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    settings = EngineSettings.from_profile().replace(one_count_min_blocks=g.n - 1, seeds_max_blocks=0,
                                                     region_sweeps=0)
    labels = partition_graph(g, BOUNDS, settings).labels
    assert score_labels(g, labels, BOUNDS)[0] == 0
    assert len(np.unique(labels)) > -(-int(g.weight.sum()) // BOUNDS.max)
    assert len(calls) == 1

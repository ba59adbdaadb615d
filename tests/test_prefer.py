"""``partition.prefer``: the fewest grids, or a few more where that puts the boundaries on streets.

A hand-made row of four blocks: two heavy blocks at the ends, a compound of
two light blocks in the middle, streets between the compound and each end.
Two grids fit only by cutting through the compound; three put every boundary
on a street.
"""

from __future__ import annotations

import numpy as np
import pytest

from gridkit.engine import Bounds, EngineSettings, partition_graph
from gridkit.engine.model import cut_cost
from gridkit.errors import ProfileError
from gridkit.graph import GraphArrays
from gridkit.profile import load_profile

BOUNDS = Bounds(min=60, target=170, max=200)
STREET, COMPOUND = 1.0, 10.0


def _row() -> GraphArrays:
    """A(130) -street- B1(40) -compound- B2(40) -street- C(130)."""
    edges = [(0, 1, STREET), (1, 2, COMPOUND), (2, 3, STREET)]
    src = [u for u, v, _ in edges] + [v for u, v, _ in edges]
    dst = [v for u, v, _ in edges] + [u for u, v, _ in edges]
    cost = [c for *_, c in edges] * 2
    s, d, c = np.array(src), np.array(dst), np.array(cost, dtype=float)
    order = np.lexsort((d, s))
    return GraphArrays(weight=np.array([130, 40, 40, 130]), indptr=np.searchsorted(s[order], np.arange(5)),
                       indices=d[order], cost=c[order], x=np.arange(4.0), y=np.zeros(4), area=np.ones(4))


def test_fewest_cuts_the_compound_roads_cuts_the_streets():
    g = _row()
    settings = EngineSettings.from_profile()
    fewest = partition_graph(g, BOUNDS, settings.replace(prefer="fewest")).labels
    assert len(set(fewest.tolist())) == 2
    assert cut_cost(g, fewest) == pytest.approx(COMPOUND)
    roads = partition_graph(g, BOUNDS, settings.replace(prefer="roads", roads_extra_grids=2)).labels
    assert len(set(roads.tolist())) == 3
    assert cut_cost(g, roads) == pytest.approx(2 * STREET)
    assert roads[1] == roads[2]  # the compound is whole


def test_add_grids_gives_exactly_that_many_more():
    g = _row()
    labels = partition_graph(g, BOUNDS, EngineSettings.from_profile().replace(add_grids=1)).labels
    assert len(set(labels.tolist())) == 3


def test_roads_never_takes_more_grids_than_allowed():
    g = _row()
    labels = partition_graph(g, BOUNDS, EngineSettings.from_profile().replace(prefer="roads",
                                                                              roads_extra_grids=0)).labels
    assert len(set(labels.tolist())) == 2


def test_prefer_is_checked():
    assert load_profile("default").with_prefer("roads").partition.prefer == "roads"
    with pytest.raises(ProfileError, match="fewest or roads"):
        load_profile("default").with_prefer("shortest")

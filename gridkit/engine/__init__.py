"""The partition engine: blocks into parts (grids, communities) within household bounds.

The model (what a valid, good plan is) lives in :mod:`.model`; the methods that
produce one are separate and chosen by name, as in spopt. The default method,
``gridkit``, is: a METIS seed per connected piece of the graph (:mod:`.seed`),
a repair pass that guarantees contiguity and the maximum and then removes
every part it can (:mod:`.repair`), and refinement of cut cost and shape
(:mod:`.refine`), tried for a few part counts and seeds; the best attempt then
gets pair steps (:mod:`.pairs`: two adjacent parts merged and split again with
the least cut), and the best of all is kept.
"""

from .run import METHODS, PartitionResult, partition_graph
from .model import Bounds, score_labels
from .pairs import PairSettings
from .settings import EngineSettings

__all__ = ["METHODS", "PartitionResult", "partition_graph", "Bounds", "score_labels", "PairSettings",
           "EngineSettings"]

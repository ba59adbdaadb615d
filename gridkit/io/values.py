"""Reading yes/no values as the sources write them: OSM tags, GeoPackage booleans, spreadsheets.

One rule for every column that says whether something holds (``locked``, ``tunnel``,
``bridge``, ...): a real boolean or a number counts by its truth, a text by the usual
words for yes; missing is no.

Examples
--------
>>> import pandas as pd
>>> truthy(pd.Series(["yes", "No", True, 0, None, "是", "viaduct"]), also=("viaduct",)).tolist()
[True, False, True, False, False, True, True]
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["truthy", "YES_WORDS"]

#: Words read as yes (lower case): English, OSM, spreadsheets' TRUE/1, and Chinese 是/真.
YES_WORDS = frozenset({"yes", "true", "1", "t", "y", "是", "真"})


def truthy(values: pd.Series, also: Iterable[str] = ()) -> pd.Series:
    """Whether each value says yes; ``also`` adds words that mean yes in this column (OSM ``bridge=viaduct``)."""
    words = YES_WORDS | {w.lower() for w in also}

    def one(v: object) -> bool:
        if v is None or (isinstance(v, float) and v != v):
            return False
        if isinstance(v, bool | int | float):
            return bool(v)
        return str(v).strip().lower() in words

    return values.map(one).astype(bool)

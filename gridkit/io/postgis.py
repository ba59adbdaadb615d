"""Read input layers from PostGIS and write plans into it, transactionally.

A PostGIS source or target is a URL::

    postgresql://user@host:5432/city?schema=office_001
    postgresql://user@/city?host=/run/postgresql&schema=input&buildings=bld_2024
    postgresql://user@host/city?roads=osm.roads&buildings=SELECT * FROM osm.bld WHERE office = '001'

``schema`` (default ``public``) holds one table per layer, named as the layer
(``buildings``, ``roads``, ...). A layer's own parameter overrides that: a
table name (``table`` or ``schema.table``) or a query (``SELECT``/``WITH``,
URL-encoded). Every other parameter goes to the driver (psycopg 3).

A plan is written into a staging schema within one transaction, then its
tables are moved into the target schema and the old plan's tables dropped in
that same transaction: readers see the old plan or the new one, and a failed,
interrupted or killed write leaves the schema as it was. Only tables gridkit
wrote (marked by a table comment) are ever replaced.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import InputError, PlanError, Unavailable

if TYPE_CHECKING:
    from sqlalchemy import Connection, TextClause
    from sqlalchemy.engine import URL

# SQLAlchemy, psycopg and GeoAlchemy2 (the 'postgis' extra) are imported only when a URL is used:
# a run on files neither needs them installed nor pays for their import.

__all__ = ["is_postgis", "redact", "shown", "read_layers", "read_tables", "count_in_regions", "write_layers", "layers_hash",
           "MARK"]

_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_QUERY_WORDS = ("select", "with")
#: Table comment on every table gridkit writes; only such tables are ever dropped or replaced.
MARK = "gridkit plan layer"


@dataclass(frozen=True)
class _Target:
    url: URL
    schema: str
    layers: dict[str, str]
    where: str


def is_postgis(source: object) -> bool:
    """Whether ``source`` is a PostGIS URL (``postgresql://…``) rather than a file path."""
    if not isinstance(source, str) or "://" not in source:
        return False
    return source.split("://", 1)[0].lower() in _SCHEMES


def _need_extra() -> None:
    try:
        import geoalchemy2  # noqa: F401 - to_postgis needs it
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise InputError(f"PostGIS needs the 'postgis' extra (pip install 'gridkit[postgis]'): {exc}") from exc


def shown(target: str | Path) -> str:
    """A file or a PostGIS URL as messages show it: a URL with its password masked (:func:`redact`).

    Examples
    --------
    >>> shown("postgresql://ana:s3cret@db/city?schema=a"), shown(Path("plan.gpkg"))
    ('postgresql://ana:***@db/city?schema=a', 'plan.gpkg')
    """
    return redact(str(target)) if is_postgis(target) else str(target)


def redact(source: str) -> str:
    """``source`` with its password masked, for messages and the plan's run table.

    Examples
    --------
    >>> redact("postgresql://ana:s3cret@db/city?schema=a")
    'postgresql://ana:***@db/city?schema=a'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(source)
    except ArgumentError:
        return source.split("://", 1)[0] + "://…"
    if url.password is None and "password" not in url.query:
        return source
    return url.difference_update_query(["password"]).render_as_string(hide_password=True)


def same_schema(a: str, b: str) -> bool:
    """Whether two PostGIS URLs name the same database and schema (so writing one replaces the other).

    Examples
    --------
    >>> same_schema("postgresql://db/city?schema=a", "postgresql://u:p@db/city?schema=a")
    True
    >>> same_schema("postgresql://db/city?schema=a", "postgresql://db/city?schema=b")
    False
    """
    from sqlalchemy.engine import make_url

    def key(source: str) -> tuple[object, ...]:
        url = make_url(source)
        return url.host, url.port, url.database, str(dict(url.query).get("schema", "public"))

    return key(a) == key(b)


def _parse(source: str, layer_names: tuple[str, ...]) -> _Target:
    _need_extra()
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    where = redact(source)
    try:
        url = make_url(source)
    except ArgumentError as exc:
        raise InputError(f"{where}: not a PostgreSQL URL: {exc}") from exc
    from .read import LAYERS, OFFICE_LAYER

    query = dict(url.query)
    schema = str(query.pop("schema", "public"))
    # Every layer's parameter is taken off, not only the wanted layers': none is a driver option.
    layers = {name: str(query.pop(name)) for name in (*LAYERS, OFFICE_LAYER, *layer_names) if name in query}
    url = url.set(drivername="postgresql+psycopg", query=query)
    return _Target(url=url, schema=schema, layers=layers, where=where)


@contextmanager
def _connection(target: _Target, error: type[Exception] = InputError) -> Iterator[Connection]:
    """One connection in one transaction, committed when the block ends without an exception."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    # NullPool: a worker process must not keep idle connections between tasks.
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        kind = Unavailable if isinstance(exc, OperationalError) and _passing(exc.orig) else error
        raise kind(f"{target.where}: {first}") from exc
    finally:
        engine.dispose()


#: SQLSTATEs of a server that is full, shutting down or starting up (PostgreSQL Appendix A).
_PASSING_STATES = frozenset({"53300", "57P01", "57P02", "57P03"})


def _passing(orig: BaseException | None) -> bool:
    """A connection failure that may pass: no answer from the server (refused, dropped), a
    connection exception (class 08) or a server full, shutting down or starting up; not a wrong
    password or a missing database."""
    state = getattr(orig, "sqlstate", None)
    return state is None or state.startswith("08") or state in _PASSING_STATES


def _sql(statement: str) -> TextClause:
    from sqlalchemy import text

    return text(statement)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _relation(conn: Connection, schema: str, spec: str) -> str:
    """SQL for a table (``name``, ``schema.name``) or a query, usable after ``FROM``."""
    if spec.lstrip().lower().startswith(_QUERY_WORDS):
        return f"({spec}) AS src"
    table_schema, _, table = spec.rpartition(".")
    return f"{_quote(conn, table_schema or schema)}.{_quote(conn, table)}"


def _tables(conn: Connection, schema: str) -> dict[str, str]:
    """Table name -> its comment ('' for none), in ``schema``."""
    rows = conn.execute(_sql(
        "SELECT c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"),
        {"schema": schema})
    return {str(name): str(comment) for name, comment in rows}


def _geometry_column(conn: Connection, relation: str) -> str | None:
    geometry_oid = conn.execute(_sql("SELECT 'geometry'::regtype::oid")).scalar()
    cursor = conn.exec_driver_sql(f"SELECT * FROM {relation} LIMIT 0")
    # DB-API description rows: (name, type_code, ...).
    names = [str(col[0]) for col in cursor.cursor.description if col[1] == geometry_oid]
    cursor.close()
    return names[0] if names else None


#: SQL of a lon/lat WKB parameter taken to the layer's SRID (parameter ``:srid``).
_IN_LAYER_SRID = "ST_Transform(ST_SetSRID(ST_GeomFromWKB({wkb}), 4326), :srid)"


def _srid(conn: Connection, relation: str, g: str) -> int | None:
    """The SRID of the first geometry of a relation's column ``g`` (quoted); None when it has none."""
    srid = conn.execute(_sql(f"SELECT ST_SRID({g}) FROM {relation} WHERE {g} IS NOT NULL LIMIT 1")).scalar()
    return int(srid) if srid else None


def _lonlat_wkb(geoms: np.ndarray, crs: CRS) -> list[bytes]:
    """Geometries in ``crs`` as WKB in lon/lat (EPSG:4326), for :data:`_IN_LAYER_SRID`."""
    return [bytes(w) for w in shapely.to_wkb(gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values)]


def _read_relation(conn: Connection, relation: str, where: str,
                   mask: tuple[shapely.Geometry, CRS] | None) -> pd.DataFrame:
    geom = _geometry_column(conn, relation)
    if geom is None:
        if mask is not None:
            raise InputError(f"{where}: has no geometry column")
        return pd.read_sql(_sql(f"SELECT * FROM {relation}"), conn)
    g = _quote(conn, geom)
    srid = _srid(conn, relation, g)
    sql, params = f"SELECT * FROM {relation}", {}
    if mask is not None and srid:
        # The mask goes to the layer's SRID once, so a table's spatial index can serve the filter.
        sql += f" WHERE ST_Intersects({g}, {_IN_LAYER_SRID.format(wkb=':mask')})"
        params = {"mask": _lonlat_wkb(np.array([mask[0]], dtype=object), mask[1])[0], "srid": int(srid)}
    frame = gpd.read_postgis(_sql(sql), conn, geom_col=geom, crs=CRS.from_epsg(srid) if srid else None,
                             params=params)
    return frame.rename_geometry("geometry") if geom != "geometry" else frame


def read_layers(source: str, names: tuple[str, ...], *,
                mask: tuple[shapely.Geometry, CRS] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read the layers ``names`` that the PostGIS ``source`` has.

    Parameters
    ----------
    source : str
        A PostGIS URL (see the module docstring).
    names : tuple of str
        Layers to look for: each is the layer's own URL parameter, else the
        table of that name in ``schema``; layers with neither are left out.
    mask : (geometry, CRS), optional
        Read only the features intersecting this geometry.

    Returns
    -------
    dict
        Layer name -> GeoDataFrame (geometry column ``geometry``, CRS from the SRID).

    Raises
    ------
    InputError
        Bad URL, no connection, a table or query that fails, a layer without geometry.
    """
    from sqlalchemy.exc import SQLAlchemyError

    target = _parse(source, names)
    out: dict[str, gpd.GeoDataFrame] = {}
    with _connection(target) as conn:
        present = _tables(conn, target.schema)
        for name in names:
            spec = _layer_spec(target, present, name)
            if spec is None:
                continue
            where = f"{target.where}, layer '{name}'"
            try:
                frame = _read_relation(conn, _relation(conn, target.schema, spec), where, mask)
            except SQLAlchemyError as exc:
                first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise InputError(f"{where}: cannot be read: {first}") from exc
            if not isinstance(frame, gpd.GeoDataFrame):
                raise InputError(f"{where}: has no geometry column")
            out[name] = frame
    return out


def _layer_spec(target: _Target, present: dict[str, str], name: str) -> str | None:
    """A layer's table or query: its own URL parameter, else the schema's table of its name, else None."""
    return target.layers.get(name) or (name if name in present else None)


def count_in_regions(source: str, name: str, regions: np.ndarray, crs: CRS) -> tuple[np.ndarray, int] | None:
    """How many features of layer ``name`` have the centre of their bounding box in each region, and in all.

    One grouped query: the server counts, through the layer's spatial index, and only one count
    per region travels. It is the rule :func:`gridkit.batch.offices.office_sizes` applies to a
    file's features (box centres, not the features themselves).

    Parameters
    ----------
    source : str
        A PostGIS URL (see the module docstring).
    name : str
        The layer, resolved as :func:`read_layers` resolves it.
    regions : ndarray of shapely.Geometry
        Polygons in ``crs``.
    crs : CRS

    Returns
    -------
    (ndarray of int, int) or None
        One count per region, and the layer's features with a geometry; None when the source has no
        such layer or it has no geometry.

    Raises
    ------
    InputError, Unavailable
        Bad URL, no connection, a table or query that fails.
    """
    target = _parse(source, (name,))
    with _connection(target) as conn:
        spec = _layer_spec(target, _tables(conn, target.schema), name)
        if spec is None:
            return None
        relation = _relation(conn, target.schema, spec)
        geom = _geometry_column(conn, relation)
        if geom is None:
            return None
        g = _quote(conn, geom)
        srid = _srid(conn, relation, g)
        if srid is None:
            return np.zeros(len(regions), dtype=np.int64), 0
        # The regions' own columns are prefixed so that no column of the layer shadows them.
        rows = conn.execute(_sql(
            f"SELECT r.gridkit_i, count(*) FROM (SELECT i AS gridkit_i, {_IN_LAYER_SRID.format(wkb='w')} AS gridkit_r "
            "FROM unnest(CAST(:regions AS bytea[])) WITH ORDINALITY AS u(w, i)) r "
            f"JOIN {relation} ON {g} && r.gridkit_r AND ST_Contains(r.gridkit_r, ST_SetSRID(ST_MakePoint("
            f"(ST_XMin({g}) + ST_XMax({g})) / 2, (ST_YMin({g}) + ST_YMax({g})) / 2), :srid)) GROUP BY r.gridkit_i"),
            {"regions": _lonlat_wkb(regions, crs), "srid": srid})
        counts = np.zeros(len(regions), dtype=np.int64)
        for i, n in rows:
            counts[int(i) - 1] = int(n)
        total = conn.execute(_sql(f"SELECT count(*) FROM {relation} WHERE {g} IS NOT NULL")).scalar_one()
    return counts, int(total)


def read_tables(source: str, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Read the tables ``names`` present in the target schema of ``source`` (geometry tables as GeoDataFrames).

    Raises
    ------
    PlanError
        No connection or a table that cannot be read.
    """
    target = _parse(source, ())
    out: dict[str, pd.DataFrame] = {}
    with _connection(target, PlanError) as conn:
        present = _tables(conn, target.schema)
        for name in names:
            if name in present:
                out[name] = _read_relation(conn, _relation(conn, target.schema, name),
                                           f"{target.where}, table '{name}'", None)
    return out


def write_layers(target_url: str, layers: dict[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]], *,
                 before_commit: Callable[[str], None] | None = None) -> None:
    """Replace the gridkit tables of the target schema by ``layers``, all or nothing.

    In one transaction: the layers are written into a fresh staging schema;
    ``before_commit`` is called with its name; every table gridkit wrote in the
    target schema earlier is dropped and the staged tables are moved in. Any
    failure (or the process dying) before the commit leaves the schema as it was.

    Parameters
    ----------
    target_url : str
        A PostGIS URL; its ``schema`` (created if missing) receives the layers.
    layers : dict or iterable of (str, DataFrame)
        Table name -> GeoDataFrame or plain table; as ``(name, frame)`` chunks, a name seen
        again is appended to its table.
    before_commit : callable, optional
        Called with the staging schema's name once everything is written; an
        exception there cancels the write.

    Raises
    ------
    InputError
        No connection, or the target schema holds a table of one of these
        names that gridkit did not write (it is never replaced).
    PlanError
        The write failed; nothing was changed.
    """
    target = _parse(target_url, ())
    with _connection(target, PlanError) as conn:
        schema = _quote(conn, target.schema)
        # Two writers to one schema take turns; the lock ends with the transaction.
        conn.execute(_sql("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": target.schema})
        conn.execute(_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        present = _tables(conn, target.schema)
        staging_name = f"gridkit_staging_{uuid.uuid4().hex[:12]}"
        staging = _quote(conn, staging_name)
        conn.execute(_sql(f"CREATE SCHEMA {staging}"))
        written: list[str] = []
        for name, frame in layers.items() if isinstance(layers, dict) else layers:
            if name not in written and present.get(name, MARK) != MARK:
                raise InputError(f"{target.where}: table '{target.schema}.{name}' was not written by gridkit; "
                                 "it is never replaced: choose another schema")
            _write_table(conn, frame, name, staging_name, append=name in written)
            if name not in written:
                conn.execute(_sql(f"COMMENT ON TABLE {staging}.{_quote(conn, name)} IS '{MARK}'"))
                written.append(name)
        if before_commit is not None:
            before_commit(staging_name)
        for name in sorted(n for n, comment in present.items() if comment == MARK):
            conn.execute(_sql(f"DROP TABLE {schema}.{_quote(conn, name)}"))
        for name in written:
            conn.execute(_sql(f"ALTER TABLE {staging}.{_quote(conn, name)} SET SCHEMA {schema}"))
        conn.execute(_sql(f"DROP SCHEMA {staging}"))


def _write_table(conn: Connection, frame: pd.DataFrame, name: str, schema: str, *, append: bool = False) -> None:
    mode = "append" if append else "fail"
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_postgis(name, conn, schema=schema, index=False, if_exists=mode)
    else:
        pd.DataFrame(frame).to_sql(name, conn, schema=schema, index=False, if_exists=mode)


def layers_hash(layers: dict[str, gpd.GeoDataFrame]) -> str:
    """SHA-256 of the layers' geometries and attributes: the identity of an input read from a database."""
    h = hashlib.sha256()
    for name in sorted(layers):
        frame = layers[name]
        h.update(name.encode())
        h.update(b"".join(w for w in shapely.to_wkb(frame.geometry.values, hex=False) if w is not None))
        attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        h.update(pd.util.hash_pandas_object(attrs.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()

"""An exact integer programme for the base-grid problem on small instances.

Model (gridkit's own, docs/architecture.md "The partition engine"): parts are
connected sets of blocks; each holds at most ``max`` households (hard); as few
parts as possible; then as few parts under ``min`` as possible (gridkit's min
is soft); then least cut cost. Blocks heavier than ``max`` are singleton grids
for every method and are left out of the programme, as are pieces of the
graph at or under ``max`` (one grid each), exactly as in ``partition_graph``.

Formulation (per instance, K label slots, K = gridkit's number of parts, which
is therefore feasible):

* ``x[v,k]`` block v in part k; ``y[k]`` part k used; ``u[k]`` part k under min;
  ``r[v,k]`` v is the root of part k; ``z[e]`` edge e cut (continuous);
  ``f[a,k] >= 0`` flow on arc a for part k.
* ``sum_k x[v,k] = 1``; ``min (y_k - u_k) <= sum_v w_v x[v,k] <= max y_k``;
  ``x[v,k] <= y_k``; ``y_k >= y_{k+1}``.
* Contiguity, single-commodity flow (Shirabe 2005/2009 style): one root per used
  part, ``sum_v r[v,k] = y_k``, ``r <= x``; every non-root member absorbs one
  unit: ``inflow - outflow >= x[v,k] - n r[v,k]``; flow only inside the part:
  ``f[(u,v),k] <= (n-1) x[u,k]`` and ``<= (n-1) x[v,k]``.
* Symmetry: ``x[v,k] = 0`` for ``k > v`` (parts numbered by their lowest block).
* Cut: ``z_e >= x[u,k] - x[v,k]`` and ``>= x[v,k] - x[u,k]`` for every k.
* Lexicographic, in two stages, ``mip_rel_gap = 0``: (1) the number of parts:
  its trivial lower bound is ``ceil(households / max)``; when gridkit reaches it,
  gridkit's count is optimal and stage 1 is skipped, otherwise the programme
  minimises ``sum y`` (min ignored). (2) With the optimal (or gridkit's) count
  fixed, every part used, and at most as many parts under ``min`` as gridkit
  has, minimise the cut cost ``sum c_e z_e``. (One weighted objective was
  tried first; its LP bound on the cut is useless because the relaxation pays
  for fractional parts.)

Solved with PuLP's ``pulp.HiGHS`` (the highspy API, in process); gridkit's
labels are handed to HiGHS as a starting solution (``Highs.setSolution``), so
the programme's incumbent is never worse than gridkit and the question is how
far the best bound is from it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def build_and_solve(g, bounds: tuple[int, int, int], start: np.ndarray, *, time_limit: float, mode: str,
                    log=print) -> dict:
    """Solve one connected piece ``g`` (peers.Graph, no block over max) with K = parts of ``start`` slots.

    ``mode="parts"``: minimise the number of parts (max hard, min ignored).
    ``mode="cut"``: all K parts used, at most as many parts under min as ``start`` has; minimise cut cost.
    """
    import highspy
    import pulp

    lo, _, hi = bounds
    n = g.n
    _, start = np.unique(start, return_inverse=True)
    # Number gridkit's parts by their lowest block, so the start satisfies the symmetry cut.
    first = np.full(start.max() + 1, n)
    np.minimum.at(first, start, np.arange(n))
    order = np.argsort(first)
    relabel = np.empty_like(order)
    relabel[order] = np.arange(len(order))
    start = relabel[start]
    K = int(start.max()) + 1
    eu, ev, ec = g.edges()
    w = g.weight.astype(float)

    t0 = time.perf_counter()
    prob = pulp.LpProblem("grids", pulp.LpMinimize)
    slots = [[k for k in range(K) if k <= v] for v in range(n)]
    x = {(v, k): pulp.LpVariable(f"x_{v}_{k}", cat="Binary") for v in range(n) for k in slots[v]}
    r = {(v, k): pulp.LpVariable(f"r_{v}_{k}", cat="Binary") for v in range(n) for k in slots[v]}
    y = [pulp.LpVariable(f"y_{k}", cat="Binary") for k in range(K)]
    u = [pulp.LpVariable(f"u_{k}", cat="Binary") for k in range(K)]
    z = [pulp.LpVariable(f"z_{e}", lowBound=0, upBound=1) for e in range(len(eu))]
    pairs = [(int(a), int(b)) for a, b in zip(eu, ev, strict=True)]
    arcs = pairs + [(b, a) for a, b in pairs]
    f = {(i, k): pulp.LpVariable(f"f_{i}_{k}", lowBound=0)
         for i, (a, b) in enumerate(arcs) for k in range(K) if (a, k) in x and (b, k) in x}
    start_under = int((np.bincount(start, weights=w, minlength=K) < lo).sum())
    if mode == "parts":
        prob += pulp.lpSum(y)
        for k in range(K):
            prob += u[k] == 1  # the minimum plays no part in the count
    else:
        prob += pulp.lpSum(float(c) * z[e] for e, c in enumerate(ec))
        for k in range(K):
            prob += y[k] == 1
        prob += pulp.lpSum(u) <= start_under
    members: dict[int, list[int]] = {k: [] for k in range(K)}
    for (v, k) in x:
        members[k].append(v)
    for v in range(n):
        prob += pulp.lpSum(x[v, k] for k in slots[v]) == 1
    for k in range(K):
        hh = pulp.lpSum(w[v] * x[v, k] for v in members[k])
        prob += hh <= hi * y[k]
        prob += hh >= lo * (y[k] - u[k])
        prob += pulp.lpSum(r[v, k] for v in members[k]) == y[k]
        if k + 1 < K:
            prob += y[k] >= y[k + 1]
        for v in members[k]:
            prob += x[v, k] <= y[k]
            prob += r[v, k] <= x[v, k]
    inflow: dict[tuple[int, int], list] = {}
    outflow: dict[tuple[int, int], list] = {}
    for (i, k), var in f.items():
        a, b = arcs[i]
        outflow.setdefault((a, k), []).append(var)
        inflow.setdefault((b, k), []).append(var)
        prob += var <= (n - 1) * x[a, k]
        prob += var <= (n - 1) * x[b, k]
    for (v, k) in x:
        prob += pulp.lpSum(inflow.get((v, k), [])) - pulp.lpSum(outflow.get((v, k), [])) >= x[v, k] - n * r[v, k]
    for e in range(len(eu)):
        a, b = int(eu[e]), int(ev[e])
        for k in range(K):
            xa, xb = x.get((a, k)), x.get((b, k))
            if xa is None and xb is None:
                continue
            if xa is not None and xb is not None:
                prob += z[e] >= xa - xb
                prob += z[e] >= xb - xa
            else:
                prob += z[e] >= (xa if xa is not None else xb)
    build_s = time.perf_counter() - t0

    # Starting solution: gridkit's labels, roots at each part's lowest block, flows along a BFS tree.
    val: dict = {}
    for (v, k) in x:
        val[x[v, k].name] = 1.0 if start[v] == k else 0.0
        val[r[v, k].name] = 1.0 if (start[v] == k and first[order[k]] == v) else 0.0
    weights = np.bincount(start, weights=w, minlength=K)
    for k in range(K):
        val[y[k].name] = 1.0
        val[u[k].name] = 1.0 if weights[k] < lo else 0.0
    for e in range(len(eu)):
        val[z[e].name] = float(start[eu[e]] != start[ev[e]])
    for var in f.values():
        val[var.name] = 0.0
    arc_index = {arc: i for i, arc in enumerate(arcs)}
    for k in range(K):
        nodes = set(np.flatnonzero(start == k).tolist())
        root = min(nodes)
        parent = {root: None}
        q, seq = deque([root]), []
        while q:
            a = q.popleft()
            seq.append(a)
            for b in g.indices[g.indptr[a]:g.indptr[a + 1]].tolist():
                if b in nodes and b not in parent:
                    parent[b] = a
                    q.append(b)
        sub = {v: 1 for v in seq}
        for v in reversed(seq):
            p = parent[v]
            if p is not None:
                sub[p] += sub[v]
                val[f[arc_index[(p, v)], k].name] = float(sub[v])
    start_obj = float(K) if mode == "parts" else float(ec[start[eu] != start[ev]].sum())
    if mode == "parts":
        for k in range(K):
            val[u[k].name] = 1.0

    class WarmHiGHS(pulp.HiGHS):
        def callSolver(self, lp):  # noqa: ANN001
            cols = lp.variables()
            sol = highspy.HighsSolution()
            sol.col_value = [val.get(v.name, 0.0) for v in sorted(cols, key=lambda v: v.index)]
            sol.value_valid = True
            lp.solverModel.setSolution(sol)
            lp.solverModel.run()

    solver = WarmHiGHS(msg=False, timeLimit=time_limit, gapRel=0.0, threads=1)
    t1 = time.perf_counter()
    prob.solve(solver)
    solve_s = time.perf_counter() - t1
    h = prob.solverModel
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    bound = float(info.mip_dual_bound)
    obj = float(info.objective_function_value)
    labels = np.full(n, -1)
    for (v, k), var in x.items():
        if var.varValue is not None and var.varValue > 0.5:
            labels[v] = k
    best_parts = int(sum(1 for k in range(K) if (y[k].varValue or 0) > 0.5))
    best_under = int(sum(1 for k in range(K) if (u[k].varValue or 0) > 0.5))
    best_cut = float(sum(c * (z[e].varValue or 0) for e, c in enumerate(ec)))
    if mode == "parts":
        parts_lb = max(math.ceil(int(w.sum()) / hi), math.ceil(bound - 1e-6))
        cut_lb = float("nan")
    else:
        parts_lb, cut_lb = K, max(0.0, bound)
    return {"mode": mode, "blocks": n, "households": int(w.sum()), "edges": len(eu), "K": K,
            "variables": len(prob.variables()),
            "constraints": len(prob.constraints), "build_s": build_s, "solve_s": solve_s, "status": status,
            "start_obj": start_obj, "obj": obj, "bound": bound, "mip_gap": float(info.mip_gap),
            "parts": best_parts, "under_min": best_under, "cut": best_cut, "parts_lb": parts_lb,
            "cut_lb": cut_lb, "nodes": int(info.mip_node_count),
            "labels": labels}


def run_instance(prep, name: str, *, time_limit: float, log=print, skip_parts: bool = False) -> list[dict]:
    """gridkit on the instance (in its own subprocess), then the programme on every piece that needs it."""
    import peers

    path = peers.write_instance(prep, name)
    run = peers.run_method("gridkit", path, time_limit=600)
    g, bounds, _ = peers.load_graph(path)
    lo, _, hi = bounds
    heavy = g.weight > hi
    rows = []
    for i, nodes in enumerate(g.components(~heavy)):
        sub = g.sub(nodes)
        if int(sub.weight.sum()) <= hi:
            continue
        start = run.labels[nodes]
        gk_parts = len(np.unique(start))
        _, s = np.unique(start, return_inverse=True)
        gk_w = np.bincount(s, weights=sub.weight)
        eu, ev, ec = sub.edges()
        gk_cut = float(ec[s[eu] != s[ev]].sum())
        log(f"  ILP {name} piece {i}: {sub.n} blocks, {int(sub.weight.sum())} households, gridkit {gk_parts} parts, "
            f"cut {gk_cut:.1f}")
        stage1 = None
        if gk_parts > math.ceil(int(sub.weight.sum()) / hi) and not skip_parts:
            stage1 = build_and_solve(sub, bounds, start, time_limit=time_limit, mode="parts", log=log)
            log(f"    parts stage -> {stage1['status']}: parts {stage1['parts']} (lb {stage1['parts_lb']}), "
                f"{stage1['solve_s']:.0f} s")
        res = build_and_solve(sub, bounds, start, time_limit=time_limit, mode="cut", log=log)
        res.pop("labels")
        res.update(instance=name, piece=i, gridkit_parts=gk_parts, gridkit_under=int((gk_w < lo).sum()),
                   gridkit_over=int((gk_w > hi).sum()), gridkit_cut=gk_cut, gridkit_s=run.solve_s)
        if stage1 is not None:
            res.update(parts=stage1["parts"], parts_lb=stage1["parts_lb"], parts_status=stage1["status"],
                       parts_s=stage1["solve_s"])
        elif gk_parts > math.ceil(int(sub.weight.sum()) / hi):
            res.update(parts_status="not run (K = gridkit's)", parts_lb=math.ceil(int(sub.weight.sum()) / hi),
                       parts_s=0.0)
        else:
            res.update(parts_status="trivial (gridkit = ceil(hh/max))", parts_s=0.0)
        rows.append(res)
    return rows


def run_all(args, header: str, command: str, log=print) -> list[dict]:
    import peers

    rows = []
    preps: dict = {}
    for spec in args.ilp_sizes.split(","):
        sample, n = spec.split(":")
        if sample not in preps:
            preps[sample] = peers.prepare_sample(sample)
        prep = peers.sub_prepared(preps[sample], peers.nearest_blocks(preps[sample], int(n)))
        rows += run_instance(prep, f"{sample}_{n}", time_limit=args.ilp_time_limit, log=log,
                             skip_parts=args.ilp_skip_parts)
        write_md(rows, peers.RESULTS / args.ilp_out, header, command, args)
    return rows


def write_md(rows: list[dict], path: Path, header: str, command: str, args) -> None:
    lines = ["# gridkit against an exact integer programme (small instances)", "", header, "",
             "Instances: the n blocks nearest the median block point of a sample (`peers.nearest_blocks`, "
             "`gridkit.graph.subgraph`). Blocks over 200 households are singleton grids and pieces at or under "
             "200 households are one grid for every method; the programme solves each remaining connected "
             "piece. Model and formulation: `benchmarks/ilp.py` (flow-based contiguity, max 200 hard, "
             "lexicographic: parts, then parts under 60, then cut cost). Solver: PuLP 'HiGHS' (the highspy API, "
             "in process; `pulp.HiGHS_CMD` needs a `highs` executable, which is not installed here), one thread, "
             f"mip_rel_gap 0, time limit {args.ilp_time_limit:.0f} s per piece, warm-started with gridkit's "
             "labels. 'lb' columns are HiGHS's best bound; a gap of 0 means gridkit is proven optimal for "
             "that criterion; 'ILP cut' below gridkit's cut means the programme found a better plan.", "",
             "| instance | piece | blocks | households | K | vars / rows | parts: status | gridkit parts "
             "| parts lb | cut: HiGHS status | gridkit cut | ILP cut | gridkit over ILP | cut lb | gridkit gap to lb "
             "| gridkit s "
             "| ILP build s | ILP solve s |",
             "|---|--:|--:|--:|--:|--:|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        gap = r["gridkit_cut"] - r["cut_lb"]
        gap_s = f"{gap:.1f} ({gap / r['gridkit_cut']:.0%})" if r["gridkit_cut"] > 0 else f"{gap:.1f}"
        lines.append(
            f"| {r['instance']} | {r['piece']} | {r['blocks']} | {r['households']} | {r['K']} | "
            f"{r['variables']} / {r['constraints']} | {r['parts_status']} | {r['gridkit_parts']} | {r['parts_lb']} | "
            f"{r['status']} | {r['gridkit_cut']:.1f} | {r['cut']:.1f} | "
            f"{(r['gridkit_cut'] - r['cut']) / max(r['cut'], 1e-9):+.0%} | {r['cut_lb']:.1f} | {gap_s} | "
            f"{r['gridkit_s']:.2f} | {r['build_s']:.1f} | {r['solve_s'] + r['parts_s']:.1f} |")
    lines += ["", f"Command: `{command}`", ""]
    path.write_text("\n".join(lines))
    import csv

    with open(path.with_suffix(".csv"), "w", newline="") as f:
        cols = list(rows[0])
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)

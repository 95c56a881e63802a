"""Small-cell suppression that arithmetic cannot undo: primary suppression of counts 1..small-1, then
complementary suppression until no hidden count can be solved from what is published.

A table is a set of cells (any hashable key -> count) and the sums that hold between them ("total = parts",
e.g. district = its centres, a day's boardings = its routes, denominator = the four BP groups). An official who
sees every published cell can combine all these sums at once (every subtraction, and every combination of
them); a hidden cell is exposed exactly when it is determined by that linear system, i.e. when every solution
gives it the same value. We test that exactly: per connected group of hidden cells, a hidden cell is determined
iff it is zero in every null-space vector of the hidden part of the system (numpy SVD). While any is exposed,
one more cell of one of its sums is hidden (the smallest visible positive count, which costs the least).

Practice followed: PIPA pseudonymisation guidance and statistical disclosure control (Hundepool et al.,
"Statistical Disclosure Control", Wiley 2012, ch. 4 and 5: primary and secondary suppression in linked and
hierarchical tables; threshold 5 as the suite's SMALL_CELL). Pure: no session, no clock."""

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

SMALL_CELL = 5
Equation = tuple[Hashable, Sequence[Hashable]]  # (total, parts): total = sum(parts)


def primary(values: Mapping[Hashable, int], *, small: int = SMALL_CELL) -> set:
    return {k for k, v in values.items() if v is not None and 0 < v < small}


def exposed(hidden: set, values: Mapping[Hashable, int], equations: Sequence[Equation]) -> set:
    """The hidden cells an official can solve from the published cells and the equations (any combination)."""
    rows = []
    for total, parts in equations:
        coeffs: dict = {}
        for cell, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
            if cell in hidden:
                coeffs[cell] = coeffs.get(cell, 0.0) + sign
        coeffs = {c: s for c, s in coeffs.items() if s}
        if coeffs:
            rows.append(coeffs)
    # connected groups of hidden cells (cells sharing an equation), each solved on its own
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        cells = list(row)
        for other in cells[1:]:
            parent[find(other)] = find(cells[0])
    groups: dict = {}
    for i, row in enumerate(rows):
        groups.setdefault(find(next(iter(row))), []).append(i)
    solved = set()
    for row_ids in groups.values():
        cells = sorted({c for i in row_ids for c in rows[i]}, key=repr)
        index = {c: j for j, c in enumerate(cells)}
        matrix = np.zeros((len(row_ids), len(cells)))
        for r, i in enumerate(row_ids):
            for c, s in rows[i].items():
                matrix[r, index[c]] = s
        _, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-9).sum())
        null = vt[rank:]  # rows spanning the null space
        for c, j in index.items():
            if null.shape[0] == 0 or np.abs(null[:, j]).max() < 1e-9:
                solved.add(c)
    return solved


def bridges(hidden: set, edges: Mapping[Hashable, tuple[Hashable, Hashable]]) -> set:
    """For a table whose sums form a directed graph (each cell an edge between the two sums it appears in, with
    opposite signs; a cell in one sum only goes to a shared "ground" node): the null space of the system is the
    graph's cycle space, so a hidden cell is solved exactly when its edge is a bridge of the hidden edges' graph.
    Linear time (Tarjan), where the SVD of a city-wide table takes minutes."""
    adjacency: dict = {}
    for cell in hidden:
        a, b = edges[cell]
        adjacency.setdefault(a, []).append((b, cell))
        adjacency.setdefault(b, []).append((a, cell))
    order: dict = {}
    low: dict = {}
    found = set()
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for nxt, cell in neighbours:
                if cell == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, cell, iter(adjacency[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(via)
    return found


def graph_adjacency(edges: Mapping, known: set) -> dict:
    adjacency: dict = {}
    for cell, (a, b) in edges.items():
        if cell not in known:
            adjacency.setdefault(a, []).append((b, cell))
            adjacency.setdefault(b, []).append((a, cell))
    return adjacency


def close_cycle(bridge, hidden: set, edges: Mapping, values: Mapping, adjacency: dict) -> list:
    """The visible cells to hide so that `bridge` lies on a cycle of hidden cells: the cheapest path between its
    two ends that avoids it (Dijkstra; a hidden cell costs nothing, a visible one its count plus one, a known
    one cannot be used). Empty if there is no such path."""
    import heapq

    start, goal = edges[bridge]
    best = {start: 0}
    via: dict = {}
    queue = [(0, 0, start)]
    tie = 0
    while queue:
        cost, _, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best.get(node, float("inf")):
            continue
        for nxt, cell in adjacency.get(node, ()):
            if cell == bridge:
                continue
            step = 0 if cell in hidden else 1 + (values.get(cell) or 0)
            if cost + step < best.get(nxt, float("inf")):
                best[nxt] = cost + step
                via[nxt] = (node, cell)
                tie += 1
                heapq.heappush(queue, (cost + step, tie, nxt))
    if goal not in via:
        return []
    path, node = [], goal
    while node != start:
        node, cell = via[node]
        path.append(cell)
    return [c for c in path if c not in hidden]


def protect(values: Mapping[Hashable, int], equations: Sequence[Equation], *, small: int = SMALL_CELL,
            known: Iterable[Hashable] = (), edges: Mapping[Hashable, tuple] | None = None) -> set:
    """The cells to hide. `known`: cells this viewer sees unsuppressed (a centre's own staff): never hidden, and
    counted as published when checking what the rest gives away. `edges`: the same sums as a directed graph
    (see `bridges`), when the table has that shape, for the fast exact check."""
    known = set(known)
    values = {k: (v or 0) for k, v in values.items()}
    for total, parts in equations:  # a cell named only in a sum is a zero the official can see
        for cell in (total, *parts):
            values.setdefault(cell, 0)
    sensitive = primary(values, small=small) - known
    hidden = set(sensitive)
    adjacency = graph_adjacency(edges, known) if edges is not None else {}
    by_cell: dict = {}
    for e, (total, parts) in enumerate(equations):
        for cell in (total, *parts):
            by_cell.setdefault(cell, []).append(e)
    while True:
        # only the small counts need protecting: a complementary cell that is solved adds nothing the official
        # could not already compute, so solving it exposes nothing by itself
        open_cells = (bridges(hidden, edges) if edges is not None else exposed(hidden, values, equations)) & sensitive
        if not open_cells:
            return hidden
        added = False
        if edges is not None:  # graph-shaped: close a cycle through each exposed cell, cheapest first
            for cell in sorted(open_cells, key=repr):
                path = close_cycle(cell, hidden, edges, values, adjacency)
                if path:
                    hidden.update(path)
                    added = True
                    break
            if added:
                continue
        # any shape: look one step ahead among the visible cells of the sums around the exposed cell's group of
        # hidden cells, and hide the one that leaves it unsolved at the least cost (small tables: a day of buses)
        cell = sorted(open_cells, key=repr)[0]
        group, frontier = {cell}, [cell]
        while frontier:
            current = frontier.pop()
            for e in by_cell.get(current, ()):
                total, parts = equations[e]
                for m in (total, *parts):
                    if m in hidden and m not in group:
                        group.add(m)
                        frontier.append(m)
        candidates = {m for c in group for e in by_cell.get(c, ()) for m in (equations[e][0], *equations[e][1])
                      if m not in hidden and m not in known}
        scored = []
        for m in candidates:
            still = exposed(hidden | {m}, values, equations) & sensitive
            scored.append((cell in still, len(still), values[m] == 0, values[m], repr(m), m))
        if scored:
            hidden.add(min(scored)[-1])
            added = True
        if not added:  # nothing left to hide beside it (all known): hide the cell's sums entirely
            for cell in open_cells:
                for e in by_cell.get(cell, []):
                    total, parts = equations[e]
                    hidden.update(m for m in (total, *parts) if m not in known)
            if not (bridges(hidden, edges) if edges is not None else exposed(hidden, values, equations)) & sensitive:
                return hidden
            return hidden | (set(values) - known)

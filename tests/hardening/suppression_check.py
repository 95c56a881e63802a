"""An official's every subtraction, done independently of services/common/suppression.py: given what was
published and the sums that hold, which hidden counts can be solved? Two ways, both exhaustive:

- chains of subtractions: any sum with one unknown left gives it; repeat with what was learnt (what a person
  with a calculator does);
- every combination of sums at once: a hidden count is solved iff its unit vector lies in the row space of the
  hidden part of the system (numpy matrix_rank), which covers any subtraction of sums of sums."""

import numpy as np


def solved_by_chains(values: dict, hidden: set, equations) -> dict:
    learnt: dict = {}
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            members = [(total, 1), *((p, -1) for p in parts)]
            unknown = [(c, s) for c, s in members if c in hidden and c not in learnt]
            if len(unknown) == 1:
                cell, sign = unknown[0]
                rest = sum(s * (learnt[c] if c in learnt else values.get(c, 0)) for c, s in members if c != cell)
                learnt[cell] = -rest * sign
                changed = True
    return learnt


def solved_by_rank(hidden: set, equations) -> set:
    cells = sorted(hidden, key=repr)
    index = {c: j for j, c in enumerate(cells)}
    rows = []
    for total, parts in equations:
        row = np.zeros(len(cells))
        for cell, sign in ((total, 1), *((p, -1) for p in parts)):
            if cell in index:
                row[index[cell]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    out = set()
    for c, j in index.items():
        unit = np.zeros(len(cells))
        unit[j] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(c)
    return out


def assert_nothing_small_recoverable(values: dict, hidden: set, equations, *, small: int = 5, known=()) -> None:
    known = set(known)
    sensitive = {c for c, v in values.items() if 0 < v < small and c not in known}
    assert sensitive <= hidden, f"small counts published: {sorted(sensitive - hidden, key=repr)[:5]}"
    chains = solved_by_chains(values, hidden, equations)
    assert not (set(chains) & sensitive), f"recovered by subtraction: {[(c, chains[c]) for c in chains if c in sensitive][:5]}"
    for cell, value in chains.items():  # what the chains give is right (the checker itself is sound)
        assert value == values.get(cell, 0), (cell, value, values.get(cell))
    ranked = solved_by_rank(hidden - known, equations)
    assert not (ranked & sensitive), f"recovered by combining sums: {sorted(ranked & sensitive, key=repr)[:5]}"

"""Pure rules of partners: how well a graduate fits an opening, the matching of graduates to openings with
seat capacities (networkx min-cost flow), and the steps a match moves through."""

from dataclasses import dataclass

import networkx as nx

MIN_FIT = 0.35  # below this a match is not proposed at all
# weights of the fit score; skills dominate, the field and the assessment break ties
W_SKILLS, W_FIELD, W_SCORE = 0.6, 0.25, 0.15

MATCH_STEPS = {
    "proposed": ("interview", "rejected"),
    "interview": ("offer", "rejected"),
    "offer": ("hired", "rejected"),
    "hired": (),
    "rejected": (),
}


@dataclass(frozen=True)
class Graduate:
    id: int  # enrolment id
    skills: frozenset[str]
    track_id: str
    assessment_score: float | None


@dataclass(frozen=True)
class Vacancy:
    id: int  # opening id
    seats: int
    required_skills: frozenset[str]
    track_id: str | None


def fit(g: Graduate, v: Vacancy) -> tuple[float, dict]:
    """A score in 0..1 and the reasons for it."""
    required = {s.casefold() for s in v.required_skills}
    has = {s.casefold() for s in g.skills}
    covered = sorted(required & has)
    missing = sorted(required - has)
    skill_part = len(covered) / len(required) if required else 1.0
    in_field = v.track_id is None or v.track_id == g.track_id
    score_part = (g.assessment_score or 0.0) / 100
    value = round(W_SKILLS * skill_part + W_FIELD * in_field + W_SCORE * score_part, 4)
    return value, {"skills_matched": covered, "skills_missing": missing, "in_field": in_field,
                   "assessment_score": g.assessment_score,
                   "score": f"{W_SKILLS}*{skill_part:.2f} skills + {W_FIELD}*{int(in_field)} field "
                            f"+ {W_SCORE}*{score_part:.2f} assessment = {value:.2f}"}


def match(graduates: list[Graduate], vacancies: list[Vacancy], *, min_fit: float = MIN_FIT,
          excluded: frozenset[tuple[int, int]] | set = frozenset()) -> list[dict]:
    """As many graduates placed as the seats allow, and among those placements the best total fit:
    source -> graduate (1) -> opening (1, cost 1000 - fit*1000) -> sink (the opening's free seats).
    `excluded` holds (graduate, opening) pairs that may not be proposed (rejected before): they are left out of
    the graph, so the plan is made without them and their seat goes to the next best graduate."""
    graph = nx.DiGraph()
    scores = {}
    for g in graduates:
        graph.add_edge("source", ("g", g.id), capacity=1, weight=0)
    for v in vacancies:
        if v.seats > 0:
            graph.add_edge(("v", v.id), "sink", capacity=v.seats, weight=0)
    for g in graduates:
        for v in vacancies:
            if v.seats <= 0 or (g.id, v.id) in excluded:
                continue
            value, why = fit(g, v)
            if value >= min_fit:
                scores[(g.id, v.id)] = (value, why)
                graph.add_edge(("g", g.id), ("v", v.id), capacity=1, weight=1000 - round(value * 1000))
    if "source" not in graph or "sink" not in graph:
        return []
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    placed = []
    for g in graduates:
        for node, units in flow.get(("g", g.id), {}).items():
            if units and node != "sink":
                value, why = scores[(g.id, node[1])]
                placed.append({"graduate": g.id, "opening": node[1], "fit": value, "explanation": why})
    return placed


def can_move(current: str, new: str) -> bool:
    return new in MATCH_STEPS.get(current, ())

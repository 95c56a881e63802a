"""Pure rules of the catalogue: enrolment windows, eligibility rules as data, priority classes, and the
prerequisite graph (networkx). No session, no clock: callers pass `now`."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import networkx as nx

from services.common.citytime import CITY_ZONE

CLASS_START = time(9, 0)  # a cohort's first session starts at 09:00 on `starts_on`

# Eligibility rules an offering may carry (JSON on the offering), each with where it comes from:
#   min_age / max_age   age on the start date; the model programme recruits 15-34-year-olds (youth AI/Big
#                       Data Academy, shared/DOMAIN.md "Talent academy")
#   residency           list of accepted cities of residence (a municipal programme: Pohang residents)
#   requires_completed  course ids the learner must have completed ("prior completion")
#   excludes_completed  course ids whose completers may not take this one again
#   invitation_only     only learners invited to this offering
ELIGIBILITY_KEYS = {"min_age", "max_age", "residency", "requires_completed", "excludes_completed",
                    "invitation_only", "priority_residency"}

# Waitlist priority classes (lower first, FIFO within a class). Academy policy, kept as data:
PRIORITY_INVITED = 0  # invited by the academy (e.g. a partner's hiring track)
PRIORITY_RESIDENT = 1  # lives in a city listed in the offering's `priority_residency`
PRIORITY_OTHER = 2

PREREQUISITE_MODES = ("block", "lock_content")


def start_instant(starts_on: date) -> datetime:
    return datetime.combine(starts_on, CLASS_START, tzinfo=CITY_ZONE).astimezone(UTC)


def local_date(now: datetime) -> date:
    return now.astimezone(CITY_ZONE).date()


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def window_problem(*, opens_at: datetime, closes_at: datetime, now: datetime) -> str | None:
    """None when applications are open at `now`, else the stable code of why not."""
    if now < opens_at:
        return "enrolment_not_open"
    if now >= closes_at:
        return "enrolment_closed"
    return None


def waitlist_frozen(*, starts_on: date, now: datetime) -> bool:
    """After the start the waitlist stands still: nobody joins, nobody is promoted."""
    return now >= start_instant(starts_on)


@dataclass(frozen=True)
class LearnerFacts:
    birth_date: date
    residence: str
    completed_courses: frozenset[str] = field(default_factory=frozenset)
    invited: bool = False


def eligibility_failures(rules: dict, facts: LearnerFacts, *, starts_on: date) -> list[dict]:
    """Every rule the learner fails, as {"rule", "detail"}; an empty list means eligible."""
    failures = []
    age = age_on(facts.birth_date, starts_on)
    if "min_age" in rules and age < rules["min_age"]:
        failures.append({"rule": "min_age", "detail": f"age {age} on {starts_on} is under {rules['min_age']}"})
    if "max_age" in rules and age > rules["max_age"]:
        failures.append({"rule": "max_age", "detail": f"age {age} on {starts_on} is over {rules['max_age']}"})
    accepted = rules.get("residency")
    if accepted and facts.residence.casefold() not in {r.casefold() for r in accepted}:
        failures.append({"rule": "residency", "detail": f"residence {facts.residence!r} not in {accepted}"})
    missing = sorted(set(rules.get("requires_completed") or ()) - facts.completed_courses)
    if missing:
        failures.append({"rule": "requires_completed", "detail": f"not completed: {missing}"})
    repeated = sorted(set(rules.get("excludes_completed") or ()) & facts.completed_courses)
    if repeated:
        failures.append({"rule": "excludes_completed", "detail": f"already completed: {repeated}"})
    if rules.get("invitation_only") and not facts.invited:
        failures.append({"rule": "invitation_only", "detail": "this offering admits invited learners only"})
    return failures


def validate_rules(rules: dict) -> list[str]:
    """Problems with an eligibility rule set itself (unknown keys, bad types)."""
    problems = [f"unknown rule {k!r}" for k in rules if k not in ELIGIBILITY_KEYS]
    for key in ("min_age", "max_age"):
        if key in rules and not isinstance(rules[key], int):
            problems.append(f"{key} must be an integer")
    for key in ("residency", "requires_completed", "excludes_completed", "priority_residency"):
        if key in rules and not (isinstance(rules[key], list) and all(isinstance(x, str) for x in rules[key])):
            problems.append(f"{key} must be a list of strings")
    if "min_age" in rules and "max_age" in rules and rules["min_age"] > rules["max_age"]:
        problems.append("min_age is over max_age")
    return problems


def priority_class(rules: dict, facts: LearnerFacts) -> int:
    if facts.invited:
        return PRIORITY_INVITED
    local = {r.casefold() for r in rules.get("priority_residency") or ()}
    return PRIORITY_RESIDENT if facts.residence.casefold() in local else PRIORITY_OTHER


# ---- prerequisites ---------------------------------------------------------------------------------------


class PrerequisiteCycle(ValueError):
    def __init__(self, cycle: list[str]):
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def prerequisite_graph(edges: list[tuple[str, str]], terms: dict[str, int]) -> nx.DiGraph:
    """Edges run from the prerequisite to the course that needs it; every course is a node with its term."""
    graph = nx.DiGraph()
    for course, term in terms.items():
        graph.add_node(course, term=term)
    graph.add_edges_from(edges)
    return graph


def check_new_prerequisite(graph: nx.DiGraph, *, course: str, requires: str) -> None:
    """Raises PrerequisiteCycle (with the cycle, first node repeated at the end) if the edge would close one."""
    if course == requires:
        raise PrerequisiteCycle([course, course])
    trial = graph.copy()
    trial.add_edge(requires, course)
    try:
        edges = nx.find_cycle(trial, source=requires)
    except nx.NetworkXNoCycle:
        return
    cycle = [edges[0][0], *(v for _, v in edges)]
    raise PrerequisiteCycle(cycle)


def missing_prerequisites(graph: nx.DiGraph, course: str, completed: frozenset[str] | set[str]) -> list[str]:
    if course not in graph:
        return []
    return sorted(set(graph.predecessors(course)) - set(completed))


def learning_path(graph: nx.DiGraph, target: str, completed: frozenset[str] | set[str]) -> list[str]:
    """The courses still to take to reach `target` (target last), prerequisites first, earlier terms first."""
    needed = (nx.ancestors(graph, target) | {target}) - set(completed)
    sub = graph.subgraph(needed)
    return list(nx.lexicographical_topological_sort(sub, key=lambda c: (graph.nodes[c].get("term", 0), c)))

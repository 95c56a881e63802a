"""Each part installs what it uses: the third-party imports of services/common, each service, the dashboard and the
tooling are covered by the base dependencies plus that part's own extra (pyproject.toml), so `uv sync --extra
transit` is enough to run transit. Read from the installed distributions' import names, not from a hand list."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = {  # part -> the extras it may use besides the base dependencies
    "services/common": [], "services/identity": [], "tools": [], "services/transit": ["transit", "sumo"],
    "services/health_hubs": ["health-hubs"], "services/talent_academy": ["talent-academy"],
    "services/industry": ["industry"], "dashboard": ["dashboard"],
}
# Imported under another name than its distribution records: dlib-bin ships a bare extension module; pydantic and
# starlette come with fastapi.
VIA = {"dlib": "dlib-bin", "pydantic": "fastapi", "pydantic_core": "fastapi", "starlette": "fastapi", "typing_extensions": "fastapi"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {norm(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in requirements}


def third_party_imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    own = {"services", "dashboard", "tools", "tests", "benchmarks"}
    return {m for m in found if m not in sys.stdlib_module_names and m not in own}


def distributions_of(module: str) -> set[str]:
    if module in VIA:
        return {VIA[module]}
    return {norm(d) for d in packages_distributions().get(module, [])}


@pytest.mark.parametrize("part", list(EXTRAS))
def test_a_part_imports_only_what_its_dependencies_install(part):
    allowed = requirement_names(PROJECT["dependencies"])
    for extra in EXTRAS[part]:
        allowed |= requirement_names(PROJECT["optional-dependencies"][extra])
    missing = {m: sorted(distributions_of(m)) for m in third_party_imports(ROOT / part)
               if not distributions_of(m) & allowed}
    assert missing == {}, f"{part} imports what its dependencies do not install: {missing}"


def test_every_extra_named_here_exists():
    assert {e for extras in EXTRAS.values() for e in extras} <= set(PROJECT["optional-dependencies"])

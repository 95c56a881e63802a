"""README's layout tree is the code's: every service's (and identity's) top modules and sub-domain packages with
their modules, drawn from the files. A package added, moved or removed without the tree changing fails here."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PARTS = ("identity", "transit", "health_hubs", "talent_academy", "industry")


def _entries(folder: Path) -> list[str]:
    names = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(("_", ".")) or p.name == "migrations":
            continue
        if p.is_dir():
            names.append(p.name + "/")
        elif p.suffix == ".py":
            names.append(p.stem)
    return names


def layout_tree() -> str:
    lines = ["services/"]
    for part in PARTS:
        folder = ROOT / "services" / part
        top = [n for n in _entries(folder) if not n.endswith("/")]
        lines.append(f"  {part}/  " + " ".join(top) + "  migrations/")
        for sub in sorted(p for p in folder.iterdir() if (p / "__init__.py").exists()):
            lines.append(f"    {sub.name}/  " + " ".join(_entries(sub)))
    return "\n".join(lines)


def test_the_readme_tree_is_the_code():
    tree = layout_tree()
    assert tree in README, "README's layout tree differs from the code; it should read:\n" + tree

"""`aicity bench`: runs every script in benchmarks/ and writes docs/BENCHMARKS.md with their output."""

import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from services.common.settings import REPO_ROOT


def run_benchmarks(*, only: str | None = None) -> None:
    scripts = sorted(p for p in (REPO_ROOT / "benchmarks").glob("bench_*.py") if not only or only in p.name)
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `aicity bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {cpu}, "
        f"{_cores()} cores, Python {platform.python_version()}. Each figure stands beside its baseline, "
        "measured in the same run. The machine is shared with other work while these run, so absolute figures "
        "move between runs; the ratio within one run is the comparison.",
        "",
    ]
    sections = _existing_sections() if only else {}
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, str(script)], cwd=REPO_ROOT, capture_output=True, text=True)
        took = time.monotonic() - started
        print(proc.stdout)
        if proc.returncode:
            print(proc.stderr[-3000:])
        sections[script.stem] = "\n".join(
            [f"## {script.stem}", "", f"exit {proc.returncode}, {took:.0f} s, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
             "", "```", proc.stdout.strip() or proc.stderr.strip()[-2000:], "```", ""])
    for name in sorted(sections):
        lines.append(sections[name])
    (REPO_ROOT / "docs").mkdir(exist_ok=True)
    (REPO_ROOT / "docs" / "BENCHMARKS.md").write_text("\n".join(lines))
    print("wrote docs/BENCHMARKS.md")


def _existing_sections() -> dict[str, str]:
    """With --only, the other scripts' last results stay as they were."""
    path = REPO_ROOT / "docs" / "BENCHMARKS.md"
    if not path.exists():
        return {}
    sections, name, body = {}, None, []
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            if name:
                sections[name] = "\n".join(body)
            name, body = line[3:].strip(), [line]
        elif name:
            body.append(line)
    if name:
        sections[name] = "\n".join(body)
    return sections


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))

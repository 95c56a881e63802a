"""Time to a full render of each dashboard page in a real browser (Chromium via Playwright: from the click on the
page's link to the script finished and every chart and map drawn), with the services' demo data (`aicity seed`,
a year of history where the service's seed has one), beside the same page with the dashboard's cache off
(AICITY_DASHBOARD_CACHE=off: every service call made again on each render), measured in the same run.
Aim: every page under 2 s.

    uv run python benchmarks/bench_dashboard_render.py
    BENCH_DASHBOARD_ROUNDS=5 ...  (default 3; the median of the rounds is reported)
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.suite import SERVICES  # noqa: E402
from tests.dashboard.live_suite import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    open_page,
    page_errors,
    sign_in,
    start_dashboard,
    start_suite,
    stop,
)

ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "3"))
AIM_S = 2.0


def measure(browser, url: str) -> dict[str, dict[str, list[float]]]:
    """Per page: 'first' (the first visit of the session) and 'again' (later visits, cache warm if on)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    sign_in(page, url)
    times: dict[str, dict[str, list[float]]] = {name: {"first": [], "again": [], "script": []}
                                                for name, _, _ in PAGES}
    for round_no in range(ROUNDS + 1):
        for name, link, heading in [*PAGES[1:], PAGES[0]]:  # overview last: sign-in already rendered it
            marks: dict = {}
            took = open_page(page, link, heading, marks)
            errors = page_errors(page)
            if errors:
                raise SystemExit(f"{name}: error on the page: {errors}")
            times[name]["first" if round_no == 0 else "again"].append(took)
            if round_no:
                times[name]["script"].append(marks["script_s"])
    context.close()
    return times


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        urls = {name: f"sqlite:///{var / f'{name}.db'}" for name in ["identity", *SERVICES]}
        started = time.perf_counter()
        suite = start_suite(var, urls, log_dir=var)
        print(f"suite migrated, seeded and up in {time.perf_counter() - started:.0f} s (SQLite)")
        cached_url, cached = start_dashboard(suite, log_dir=var, cache=True)
        plain_url, plain = start_dashboard(suite, log_dir=var, cache=False)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                on = measure(browser, cached_url)
                off = measure(browser, plain_url)
                browser.close()
        finally:
            stop({"cached": cached, "plain": plain, **suite.procs})
    print(f"\nmedian of {ROUNDS} rounds, seconds from click to full render (baseline: cache off)")
    print(f"{'page':<10} {'first visit':>12} {'cache on':>9} {'cache off':>10} {'off/on':>7}  under {AIM_S:.0f} s"
          f"   script done (on / off)")
    worst = 0.0
    for name, _, _ in PAGES:
        first = on[name]["first"][0]
        warm = statistics.median(on[name]["again"])
        cold = statistics.median(off[name]["again"])
        worst = max(worst, first, warm)
        print(f"{name:<10} {first:>12.2f} {warm:>9.2f} {cold:>10.2f} {cold / warm:>7.1f}  "
              f"{'yes' if max(first, warm) < AIM_S else 'NO':>10}   "
              f"{statistics.median(on[name]['script']):.2f} / {statistics.median(off[name]['script']):.2f}")
    print(f"slowest page with the cache on: {worst:.2f} s (aim < {AIM_S:.0f} s)")


if __name__ == "__main__":
    main()

"""Time to a full render of each dashboard page in a real browser (Chromium via Playwright: from the click on the
page's link in the sidebar to the script finished and every chart and map drawn), with the services' demo data
(`aicity seed`, a year of history where the service's seed has one), for every page of every role that sees it
(the official's six, the centre staff's and the nurse's workspace, academy staff, a partner company).

Per page, the median of the rounds of:
- cold: the first visit with the dashboard's cache empty (Streamlit's own "Clear caches" of the developer toolbar,
  pressed just before the click: st.cache_data and the session state go, so the visit also restores the
  sign-in from its cookie, as a reload does);
- warm: the next visit of the same page a moment later (another page in between), every call a cache hit;
- cache off: the same page on a second dashboard started with AICITY_DASHBOARD_CACHE=off (every service call
  made again on each render): what the cache saves;
- the floor: a page of an empty Streamlit app (benchmarks/empty_dashboard.py: a header and a line) clicked the
  same way in the same browser: the least any page can take on this machine.
Aim (issue 16): every page under 1 s warm and under 2 s cold.

    uv run python benchmarks/bench_dashboard_render.py
    BENCH_DASHBOARD_ROUNDS=5 ...  (default 3)
    BENCH_DASHBOARD_VAR=/tmp/dash-var ...  (keep the seeded databases there and reuse them on the next run)
    BENCH_DASHBOARD_ROLES=official,partner ...  (only these roles)
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import care_views, views  # noqa: E402
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
    wait_for_render,
)

ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "3"))
WARM_AIM_S, COLD_AIM_S = 1.0, 2.0
EMPTY_APP = str(Path(__file__).resolve().parent / "empty_dashboard.py")


def care(key: str, heading: str | None = None) -> tuple[str, str, str]:
    return key, care_views.t(key, "ko"), care_views.t(heading or key, "ko")


# (role, username, pages as (name, link in the sidebar, heading)) in the order of dashboard/app.py's ROLE_PAGES
CARE = [care("today"), care("referrals"), care("follow_ups"), care("record")]
ROLES = [
    ("official", "official", PAGES),
    ("centre_staff", "staff-c001", CARE),
    ("nurse", "nurse-bukgu", [care("today", "district_today"), *CARE[1:]]),
    ("academy_staff", "academy", [("academy_staff", views.t("academy_staff"), views.t("academy_staff")),
                                  ("academy", views.t("academy"), views.t("academy"))]),
    ("partner", "partner-steel", [("partner", views.t("partner"), views.t("partner")),
                                  ("industry", views.t("industry"), views.t("industry"))]),
]


ERRORS: dict[str, list[str]] = {}  # "role/page" -> what the page said went wrong, visit by visit


def checked_visit(page, name: str, link: str, heading: str, role: str = "") -> tuple[float, float]:
    """(seconds to full render, seconds until the script had finished) of one click on the page's link. A page
    that says a service failed or did not answer in time is counted (the ERR column), never taken as fast."""
    marks: dict = {}
    took = open_page(page, link, heading, marks)
    errors = page_errors(page)
    if errors:
        ERRORS.setdefault(f"{role}/{name}", []).extend(errors)
    return took, marks["script_s"]


def clear_caches(page) -> None:
    """Streamlit's "Clear caches" (key C, developer toolbar): st.cache_data, st.cache_resource and the session state
    of this browser session are gone; the page stays as it is until the next click."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # out of any link or input
    page.keyboard.press("c")
    page.get_by_role("button", name="Clear caches").click()
    page.get_by_role("button", name="Clear caches").wait_for(state="detached", timeout=10_000)
    wait_for_render(page)


def signed_in_context(browser, url: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    sign_in(page, url, username, password)
    deadline = time.monotonic() + 20
    while not any(c["name"] == "aicity_session" for c in context.cookies()):  # a cache clear restores from it
        if time.monotonic() > deadline:
            raise SystemExit(f"{username}: the session cookie was never written")
        page.wait_for_timeout(100)
    page.reload()  # the connection now carries the cookie (st.context.cookies), as after a person's reload
    page.wait_for_selector("[data-testid='stSidebarNavLink']", timeout=60_000)
    wait_for_render(page)
    return context, page


def measure_cached(browser, url: str, username: str, password: str, pages: list, role: str = "") -> dict:
    """Per page: cold (cache cleared just before the click) and warm (the next visit), with their script times."""
    context, page = signed_in_context(browser, url, username, password)
    times = {name: {"cold": [], "warm": [], "cold_script": [], "warm_script": []} for name, _, _ in pages}
    for _ in range(ROUNDS):
        for i, (name, link, heading) in enumerate(pages):
            other = pages[i - 1]
            clear_caches(page)
            took, script = checked_visit(page, name, link, heading, role)
            times[name]["cold"].append(took)
            times[name]["cold_script"].append(script)
            checked_visit(page, *other, role)  # another page between, as a person goes back and forth
            took, script = checked_visit(page, name, link, heading, role)
            times[name]["warm"].append(took)
            times[name]["warm_script"].append(script)
    context.close()
    return times


def measure_uncached(browser, url: str, username: str, password: str, pages: list, role: str = "") -> dict:
    """Per page: every visit with the cache off (the first round, Python's first imports, left out)."""
    context, page = signed_in_context(browser, url, username, password)
    times = {name: {"off": [], "off_script": []} for name, _, _ in pages}
    for round_no in range(ROUNDS + 1):
        for name, link, heading in [*pages[1:], pages[0]]:  # the landing page last: sign-in already rendered it
            took, script = checked_visit(page, name, link, heading, f"{role} (cache off)")
            if round_no:
                times[name]["off"].append(took)
                times[name]["off_script"].append(script)
    context.close()
    return times


def measure_floor(browser, url: str) -> list[float]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("[data-testid='stSidebarNavLink']", timeout=60_000)
    wait_for_render(page)
    took = []
    for round_no in range(2 * ROUNDS + 2):
        name = "second page" if round_no % 2 == 0 else "first page"
        seconds = open_page(page, name, name)
        if round_no >= 2:
            took.append(seconds)
    context.close()
    return took


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    only = {r for r in os.environ.get("BENCH_DASHBOARD_ROLES", "").split(",") if r}
    roles = [r for r in ROLES if not only or r[0] in only]
    keep = os.environ.get("BENCH_DASHBOARD_VAR")
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(keep or tmp)
        var.mkdir(parents=True, exist_ok=True)
        urls = {name: f"sqlite:///{var / f'{name}.db'}" for name in ["identity", *SERVICES]}
        started = time.perf_counter()
        suite = start_suite(var, urls, log_dir=var)
        print(f"suite migrated, seeded and up in {time.perf_counter() - started:.0f} s (SQLite); "
              f"load average {load()} (1, 5, 15 min; the machine is shared with other work)")
        cached_url, cached = start_dashboard(suite, log_dir=var, cache=True,
                                             extra_args=("--client.toolbarMode", "developer"))
        plain_url, plain = start_dashboard(suite, log_dir=var, cache=False)
        floor_url, floor = start_dashboard(None, log_dir=var, app=EMPTY_APP)
        results = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                floor_times = measure_floor(browser, floor_url)
                for role, username, pages in roles:
                    password = suite.credentials["accounts"][username]["password"]
                    on = measure_cached(browser, cached_url, username, password, pages, role)
                    off = measure_uncached(browser, plain_url, username, password, pages, role)
                    results.append((role, pages, on, off))
                browser.close()
        finally:
            stop({"cached": cached, "plain": plain, "floor": floor, **suite.procs})
    med = statistics.median
    print(f"\nmedian of {ROUNDS} rounds, seconds from the click on the page's link to its full render; "
          f"load average at the end {load()}")
    print(f"floor (an empty Streamlit page, same browser): {med(floor_times):.2f} s")
    print(f"{'role':<14} {'page':<14} {'cold':>6} {'warm':>6} {'cache off':>10}  {'cold<2s':>7} {'warm<1s':>7}"
          f" {'ERR':>3}   script done: cold / warm / off")
    worst_cold = worst_warm = 0.0
    for role, pages, on, off in results:
        for name, _, _ in pages:
            cold, warm, plain_s = med(on[name]["cold"]), med(on[name]["warm"]), med(off[name]["off"])
            worst_cold, worst_warm = max(worst_cold, cold), max(worst_warm, warm)
            print(f"{role:<14} {name:<14} {cold:>6.2f} {warm:>6.2f} {plain_s:>10.2f}  "
                  f"{'yes' if cold < COLD_AIM_S else 'NO':>7} {'yes' if warm < WARM_AIM_S else 'NO':>7} "
                  f"{len(ERRORS.get(f'{role}/{name}', [])):>3}   "
                  f"{med(on[name]['cold_script']):.2f} / {med(on[name]['warm_script']):.2f} / "
                  f"{med(off[name]['off_script']):.2f}")
    for where, said in ERRORS.items():
        print(f"errors shown on {where}: {len(said)} ({', '.join(sorted(set(said)))})")
    print(f"slowest page: cold {worst_cold:.2f} s (aim < {COLD_AIM_S:.0f} s), warm {worst_warm:.2f} s "
          f"(aim < {WARM_AIM_S:.0f} s); floor {med(floor_times):.2f} s")


if __name__ == "__main__":
    main()

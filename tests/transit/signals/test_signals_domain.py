"""The crossing controller's rules: call and cancel, walk, clearance floor, extension from measured speed and
remaining distance, caps, gap-out on an empty crossing, fail-safe to the fixed plan, mobility-need requests."""

import math

import pytest

from services.transit.signals.domain import (
    DEFAULT_TIMING,
    ControllerState,
    CrossingController,
    CrossingSpec,
    Observation,
    Phase,
    Policy,
    WalkerObs,
    walker_need_s,
)

SPEC = CrossingSpec("X", length_m=14.0, lanes=4, zone="general")  # floor 14 s, cap 35 s, walk 7 s
T = DEFAULT_TIMING


def obs(now, *, kerb=0, walkers=(), ok=True, report=True, advance=0.0, asked=0.0):
    return Observation(detector_ok=ok, last_report_s=now if report else None, kerb_waiting=kerb,
                       walkers=tuple(walkers), advance_extra_s=advance,
                       advance_requested_s=asked if advance else None)


class Run:
    """Drives one controller on a 0.5 s tick, the way the cabinet and SUMO do."""

    def __init__(self, policy=None, spec=SPEC):
        self.c = CrossingController(spec, policy or Policy.adaptive())
        self.state = ControllerState(phase=Phase.vehicle_green, phase_started_s=0.0)
        self.now = 0.0
        self.events = []
        self.decision = None

    def tick(self, o):
        r = self.c.step(self.state, o, self.now)
        self.state, self.decision = r.state, r.decision
        self.events += r.events
        return r

    def until(self, phase, make_obs, limit=300.0):
        while self.state.phase != phase:
            assert self.now < limit, f"never reached {phase}"
            self.now += 0.5
            self.tick(make_obs(self.now))
        return self.now

    def kinds(self, kind):
        return [e for e in self.events if e.kind == kind]


def to_clearance(run, *, walkers_at_walk_end=()):
    run.tick(obs(0.0, kerb=1))
    run.until(Phase.clearance, lambda t: obs(t, kerb=1 if run.state.phase == Phase.vehicle_green else 0))
    return run.now


def test_kerb_call_ends_vehicle_green_after_its_minimum_then_amber_walk():
    run = Run()
    run.now = 5.0
    run.tick(obs(5.0, kerb=1))
    assert run.decision.request and run.decision.phase == Phase.vehicle_green
    t_amber = run.until(Phase.vehicle_amber, lambda t: obs(t, kerb=1))
    assert t_amber == pytest.approx(T.min_vehicle_green_s)
    t_walk = run.until(Phase.walk, lambda t: obs(t))
    assert t_walk - t_amber == pytest.approx(T.amber_s)
    t_clear = run.until(Phase.clearance, lambda t: obs(t, kerb=1))  # someone still waiting: the whole walk
    assert t_clear - t_walk == pytest.approx(SPEC.walk_s)
    assert run.state.cycle_no == 1


def _walk_length(policy, walkers_on, *, kerb_during_walk=0, spec=SPEC):
    run = Run(policy, spec=spec)
    run.tick(obs(0.0, kerb=1))
    t_walk = run.until(Phase.walk, lambda t: obs(t, kerb=1))
    t_clear = run.until(Phase.clearance, lambda t: obs(t, kerb=kerb_during_walk, walkers=walkers_on(t)))
    return t_clear - t_walk


def test_walk_ends_at_its_minimum_once_the_kerb_is_empty_and_those_on_are_fast():
    # two adults on at 1.3 m/s: off within ~10 s; someone stepping on now would need 14 m / 1.0 m/s: the walk
    # closes at the 4 s minimum instead of letting in a walker who would lengthen the red
    fast = lambda t: [WalkerObs("a", 1.3 * (t - 24.0), 1.3, t), WalkerObs("b", 1.2 * (t - 24.0), 1.2, t)]  # noqa: E731
    assert _walk_length(Policy.adaptive(), fast) == pytest.approx(T.min_walk_s)
    # someone still waiting at the kerb keeps it open; so does a baseline without speed
    assert _walk_length(Policy.adaptive(), fast, kerb_during_walk=1) == pytest.approx(SPEC.walk_s)
    assert _walk_length(Policy.presence(), fast) == pytest.approx(SPEC.walk_s)
    assert _walk_length(Policy.fixed(1.0), fast) == pytest.approx(SPEC.walk_s)


def test_walk_stays_open_while_a_slow_walker_on_holds_the_red_longer_than_a_newcomer_would_need():
    # a 0.5 m/s walker needs ~28 s: anyone stepping on at the design speed is off before them, for free
    slow = lambda t: [WalkerObs("s", 0.5 * (t - 24.0), 0.5, t)]  # noqa: E731
    assert _walk_length(Policy.adaptive(), slow) == pytest.approx(SPEC.walk_s)
    # the speed-blind variant takes a 1.3 m/s walker at 0.5 m/s too: it holds the walk open past the minimum
    fast = lambda t: [WalkerObs("a", 1.3 * (t - 24.0), 1.3, t)]  # noqa: E731
    assert _walk_length(Policy.adaptive(), fast) == pytest.approx(T.min_walk_s)
    assert _walk_length(Policy.adaptive(speed_blind=True), fast) > T.min_walk_s + 1.0


def test_a_walker_not_yet_measured_does_not_hold_the_walk_open_but_is_held_by_the_clearance():
    # a track just found, no speed yet: for ending the walk it is taken at the design speed (ending the walk
    # only stops newcomers); the clearance still plans it at the slow unknown-speed assumption until measured
    fresh = lambda t: [WalkerObs("f", 1.0, None, t)]  # noqa: E731
    assert _walk_length(Policy.adaptive(), fresh) == pytest.approx(T.min_walk_s)
    ctl = CrossingController(SPEC, Policy.adaptive())
    assert ctl.need_s(WalkerObs("f", 1.0, None, 10.0), 10.0) == pytest.approx(
        (SPEC.length_m - 1.0) / T.unknown_speed_mps + T.margin_s)


def test_walk_is_not_shortened_for_a_card_tap_or_on_the_fail_safe_plan():
    run = Run()
    run.tick(Observation(detector_ok=True, last_report_s=0.0, card_tap=True))
    t_walk = run.until(Phase.walk, lambda t: obs(t))
    assert run.until(Phase.clearance, lambda t: obs(t)) - t_walk == pytest.approx(SPEC.walk_s)
    run = Run()
    run.tick(obs(0.0, kerb=1))
    t_walk = run.until(Phase.walk, lambda t: obs(t, kerb=1))
    assert run.until(Phase.clearance, lambda t: obs(t, ok=False)) - t_walk == pytest.approx(SPEC.walk_s)


def test_no_call_no_walk_while_the_detector_is_healthy():
    run = Run()
    for i in range(1, 400):
        run.now = i * 0.5
        run.tick(obs(run.now))
    assert run.state.phase == Phase.vehicle_green and run.decision.remaining_s is None


def test_kerb_request_is_cancelled_when_the_walker_leaves():
    run = Run()
    run.tick(obs(0.0, kerb=1))
    run.now = 3.0
    run.tick(obs(3.0, kerb=0))
    assert not run.state.request
    assert [e.data["reason"] for e in run.kinds("request_cancelled")] == ["walker_left"]
    for i in range(7, 200):
        run.now = i * 0.5
        run.tick(obs(run.now))
    assert run.state.phase == Phase.vehicle_green and not run.kinds("cycle_end")


@pytest.mark.parametrize("speed", [1.0, 0.8, 0.7])
def test_fixed_policy_clearance_is_length_over_speed(speed):
    run = Run(Policy.fixed(speed))
    start = to_clearance(run)
    run.until(Phase.all_red, lambda t: obs(t, walkers=[WalkerObs("a", 1.0, 0.3, t)]))
    assert run.now - start == pytest.approx(14.0 / speed, abs=0.5)
    assert run.kinds("cycle_end")[0].data["ended_by"] == "fixed"


def test_empty_crossing_gaps_out_early_but_not_before_the_minimum():
    run = Run()
    start = to_clearance(run)
    run.until(Phase.all_red, lambda t: obs(t))
    clearance = run.now - start
    assert T.min_clearance_s <= clearance < SPEC.floor_s
    assert clearance == pytest.approx(T.min_clearance_s, abs=0.5)
    assert run.kinds("cycle_end")[0].data["ended_by"] == "gap_out"


def test_clearance_held_from_measured_speed_and_remaining_distance_then_ends_when_they_leave():
    run = Run()
    start = to_clearance(run)
    # a senior who entered late: 2 m walked at 0.6 m/s -> needs 20 s more, beyond the 14 s floor
    def walker(t):
        pos = 2.0 + 0.6 * (t - start)
        return obs(t, walkers=[WalkerObs("s1", pos, 0.6, t)] if pos < 14.0 else [])
    run.tick(walker(run.now))
    planned = run.decision.remaining_s
    assert planned == pytest.approx(12.0 / 0.6 + T.margin_s, abs=0.6)
    ext = run.kinds("extension")
    assert len(ext) == 1 and ext[0].data["reason"] == "walker_on_crossing" and ext[0].data["track_id"] == "s1"
    assert ext[0].data["remaining_m"] == pytest.approx(12.0, abs=0.4)
    assert ext[0].data["extension_s"] == pytest.approx(12.0 / 0.6 + T.margin_s - 14.0, abs=0.6)
    run.until(Phase.all_red, walker)
    off_at = start + 12.0 / 0.6
    assert off_at - 0.5 <= run.now <= off_at + T.margin_s + 0.6  # held while on it, no longer than the margin after
    end = run.kinds("cycle_end")[0].data
    assert end["ended_by"] == "cleared" and end["extended_s"] > 5.0


def test_fast_walker_does_not_extend_and_the_phase_ends_when_they_are_off():
    run = Run()
    start = to_clearance(run)
    def walker(t):
        pos = 5.0 + 1.3 * (t - start)
        return obs(t, walkers=[WalkerObs("a", pos, 1.3, t)] if pos < 14.0 else [])
    run.until(Phase.all_red, walker)
    assert not run.kinds("extension")
    assert run.now - start < SPEC.floor_s


def test_stopped_walker_is_held_to_the_cap_and_no_longer():
    run = Run()
    start = to_clearance(run)
    run.until(Phase.all_red, lambda t: obs(t, walkers=[WalkerObs("st", 7.0, 0.0, t)]), limit=500)
    assert run.now - start == pytest.approx(SPEC.cap_s(), abs=0.5)
    assert SPEC.cap_s() == pytest.approx(14.0 / T.cap_speed_mps)
    assert run.kinds("extension")[0].data["reason"] == "walker_stopped"
    assert run.kinds("extension")[0].data["capped"] is True
    assert run.kinds("cap_reached")[0].data["walkers"] == ["st"]
    assert run.kinds("cycle_end")[0].data["ended_by"] == "cap"


def test_a_lost_walker_is_held_on_their_prediction_with_a_share_for_speed_error_and_no_longer():
    run = Run()
    start = to_clearance(run)
    lost = WalkerObs("ghost", 3.0, 0.5, start)  # seen once at clearance start, then never again (blind spot)
    run.until(Phase.all_red, lambda t: obs(t, walkers=[lost]))
    predicted = 11.0 / 0.5 * (1 + T.unseen_margin_frac) + T.margin_s
    assert run.now - start == pytest.approx(predicted, abs=0.6)
    assert run.kinds("cycle_end")[0].data["ended_by"] == "cleared"


def test_presence_only_ends_its_gap_after_the_last_detection_whatever_the_speed():
    run = Run(Policy.presence())
    start = to_clearance(run)
    lost = WalkerObs("slow", 3.0, 0.3, start)  # a slow walker seen once, then in a blind spot
    run.until(Phase.all_red, lambda t: obs(t, walkers=[lost]))
    assert run.now - start == pytest.approx(max(T.min_clearance_s, T.presence_gap_s), abs=0.6)


def test_extrapolates_a_walker_between_reports():
    w = WalkerObs("a", 4.0, 1.0, 100.0)
    assert walker_need_s(w, length_m=14.0, now_s=100.0) == pytest.approx(10.0 + T.margin_s)
    # not in the latest report: predicted on, with a share for speed error
    assert walker_need_s(w, length_m=14.0, now_s=102.0) == pytest.approx(10.0 * (1 + T.unseen_margin_frac)
                                                                          + T.margin_s - 2.0)
    unknown = WalkerObs("b", 4.0, None, 100.0)
    assert walker_need_s(unknown, length_m=14.0, now_s=100.0) == pytest.approx(10.0 / T.unknown_speed_mps + T.margin_s)


def test_a_lost_walker_the_far_camera_should_have_found_is_a_ghost():
    # 19.5 m, cameras see 7 m from each kerb: lost in the blind middle at 8 m, walking 1.0 m/s, the slow bound
    # (1.0 / 1.25 = 0.8 m/s) reaches the far view (12.5 m) 5.6 s later; unfound 6 s after that, a ghost
    w = WalkerObs("mid", 8.0, 1.0, 100.0)
    held = walker_need_s(w, length_m=19.5, now_s=102.0, view_m=7.0)
    assert held == pytest.approx(4.5 / 0.8 + T.reappear_s - 2.0)
    blind = walker_need_s(w, length_m=19.5, now_s=102.0)  # coverage unknown: the prediction alone
    assert blind == pytest.approx(11.5 * (1 + T.unseen_margin_frac) - 2.0)
    assert held < blind


@pytest.mark.parametrize("speed", [None, 0.5, 1.2])
def test_a_walker_lost_in_the_near_view_counts_the_time_that_camera_should_have_seen_them(speed):
    """A track lost 1.1 m from its kerb (an id switch at the other end, guessed as a newcomer, or a newcomer
    missed twice): whatever their speed, the walker hidden longest crosses the blind middle just as time runs
    out, and has been in the near view near * T / hidden of it."""
    w = WalkerObs("frag", 1.1, speed, 100.0)
    slow = max(T.unknown_speed_mps if speed is None else speed, T.cap_speed_mps) / (1 + T.unseen_margin_frac)
    near, hidden = 7.0 - 1.1 - T.kerb_noise_m, 19.5 - 7.0 - 1.1
    far_only = hidden / slow + T.reappear_s  # the far camera's view alone
    if near / slow > T.reappear_s:
        expected = T.reappear_s * hidden / near
    else:
        expected = T.reappear_s + (hidden - near) / slow
    predicted = 18.4 / (slow * (1 + T.unseen_margin_frac)) * (1 + T.unseen_margin_frac)
    counted = walker_need_s(w, length_m=19.5, now_s=102.0, view_m=7.0)
    assert counted == pytest.approx(min(expected, predicted) - 2.0)
    assert counted < far_only - 2.0 - 5  # the far view alone held such fragments 5 s and more longer
    # the check the rule rests on: at every speed at least the slow bound, the walker has been in a camera's
    # view for `reappear_s` by then (frames once a second)
    t_ghost = counted + 2.0
    for v in [slow * k for k in (1.0, 1.1, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0, 6.0)]:
        seen = sum(1 for k in range(1, int(t_ghost) + 1)
                   if 1.1 + v * k <= 7.0 - T.kerb_noise_m or 1.1 + v * k >= 19.5 - 7.0)
        assert seen >= T.reappear_s - 1, (v, seen)


@pytest.mark.parametrize("fault", ["silent", "faulty"])
def test_silent_or_faulty_detector_falls_back_to_the_zones_fixed_plan(fault):
    spec = CrossingSpec("S", length_m=14.0, lanes=4, zone="senior")  # 0.8 m/s -> 17.5 s floor
    run = Run(spec=spec)
    def bad(t):
        return obs(t, ok=False) if fault == "faulty" else Observation(last_report_s=0.0)
    run.now = 0.0
    run.tick(obs(0.0))  # one good report, then nothing useful
    # no kerb sensing: the fixed plan recalls the pedestrian phase every cycle
    t_amber = run.until(Phase.vehicle_amber, bad)
    assert t_amber == pytest.approx(T.fixed_vehicle_green_s, abs=0.5 + (T.detector_silence_s if fault == "silent" else 0))
    start = run.until(Phase.clearance, bad)
    assert run.decision.mode == "fail_safe"
    run.until(Phase.all_red, bad)
    assert run.now - start == pytest.approx(14.0 / 0.8, abs=0.5)
    assert run.kinds("cycle_end")[0].data["ended_by"] == "fail_safe"


def test_detector_dying_mid_clearance_finishes_on_the_floor_not_the_gap():
    run = Run()
    start = to_clearance(run)
    run.until(Phase.all_red, lambda t: obs(t, ok=t < start + 1.0))
    assert run.now - start == pytest.approx(SPEC.floor_s, abs=0.5)


def test_mobility_need_request_calls_and_adds_time_to_walk_and_floor():
    run = Run(Policy.fixed(1.0))
    run.tick(obs(0.0, advance=6.0))
    assert run.state.request and run.state.request_source == "advance"
    t_walk = run.until(Phase.walk, lambda t: obs(t, advance=6.0))
    assert [e.data["extra_s"] for e in run.kinds("advance_served")] == [6.0]
    assert run.kinds("extension")[0].data["reason"] == "mobility_need_request"
    t_clear = run.until(Phase.clearance, lambda t: obs(t))
    assert t_clear - t_walk == pytest.approx(SPEC.walk_s + 6.0)
    run.until(Phase.all_red, lambda t: obs(t))
    assert run.now - t_clear == pytest.approx(SPEC.floor_s + 6.0, abs=0.5)
    # served once: the next cycle is back to normal
    run.tick(obs(run.now))
    run.until(Phase.walk, lambda t: obs(t, kerb=1))
    assert run.state.cycle_extra_s == 0.0


def test_advance_request_is_capped_at_green_man_plus_maximum():
    run = Run()
    run.tick(obs(0.0, advance=60.0))
    assert run.state.advance_extra_s == T.advance_extra_max_s


def test_a_late_tick_catches_up_through_the_phases_it_missed():
    run = Run(Policy.fixed(1.0))
    run.tick(obs(0.0, kerb=1))
    run.now = 200.0
    run.tick(obs(200.0))
    phases = [e.data["phase"] for e in run.kinds("phase")]
    assert phases[:5] == ["vehicle_amber", "walk", "clearance", "all_red", "vehicle_green"]
    assert run.kinds("cycle_end")[0].at_s == pytest.approx(20 + 4 + 7 + 14)


def test_state_round_trips_through_json():
    run = Run()
    to_clearance(run)
    again = ControllerState.from_dict(run.state.to_dict())
    assert again == run.state


def test_clearance_is_announced_at_the_start_of_flashing_from_the_slowest_detected_walker():
    run = Run()
    run.tick(obs(0.0, kerb=1))
    walkers = lambda t: [WalkerObs("fast", 8.0, 1.3, t), WalkerObs("slow", 3.0, 0.55, t)]  # noqa: E731
    run.until(Phase.clearance, lambda t: obs(t, kerb=1 if run.state.phase == Phase.vehicle_green else 0,
                                             walkers=walkers(t) if run.state.phase == Phase.walk else ()))
    # the walk ended at this tick; the clearance shown is the slow walker's remaining 11 m at 0.55 m/s
    set_ = run.kinds("clearance_set")[0].data
    assert set_["slowest_track"] == "slow" and set_["slowest_speed_mps"] == 0.55
    assert set_["clearance_s"] == pytest.approx(11.0 / 0.55 + T.margin_s, abs=0.6)
    assert run.decision.announced_clearance_s == set_["clearance_s"]


def test_speed_blind_variant_takes_every_walker_at_the_same_speed():
    blind = CrossingController(SPEC, Policy.adaptive(speed_blind=True))
    ours = CrossingController(SPEC, Policy.adaptive())
    fast = WalkerObs("a", 4.0, 1.4, 10.0)
    assert ours.need_s(fast, 10.0) == pytest.approx(10.0 / 1.4 + T.margin_s)
    assert blind.need_s(fast, 10.0) == pytest.approx(10.0 / T.blind_speed_mps + T.margin_s)
    assert Policy.adaptive(speed_blind=True).name == "ours speed-blind"


def test_cap_reached_with_someone_still_on_holds_all_red_until_they_are_off_and_logs_it():
    run = Run()
    start = to_clearance(run)
    cap_end = start + SPEC.cap_s()
    # stopped mid-crossing until well after the cap, then walks off at 1 m/s
    def walker(t):
        if t < cap_end + 8.0:
            return obs(t, walkers=[WalkerObs("st", 7.0, 0.0, t)])
        pos = 7.0 + 1.0 * (t - cap_end - 8.0)
        return obs(t, walkers=[WalkerObs("st", pos, 1.0, t)] if pos < 14.0 else [])
    run.until(Phase.all_red, walker, limit=500)
    assert run.now == pytest.approx(cap_end, abs=0.5)
    hold = run.kinds("all_red_hold")[0].data
    assert hold["walkers"] == ["st"]
    run.until(Phase.vehicle_green, walker, limit=500)
    off = cap_end + 8.0 + 7.0
    assert off - 0.5 <= run.now <= off + T.margin_s + 0.6  # all-red until they were off, no longer
    end = run.kinds("all_red_hold_end")[0].data
    assert end["resolved"] is True and end["held_s"] == pytest.approx(off - cap_end, abs=1.1)


def test_all_red_hold_ends_at_its_policy_maximum_and_says_it_was_not_resolved():
    run = Run()
    start = to_clearance(run)
    run.until(Phase.vehicle_green, lambda t: obs(t, walkers=[WalkerObs("st", 7.0, 0.0, t)]), limit=500)
    assert run.now - start == pytest.approx(SPEC.cap_s() + T.all_red_hold_max_s, abs=0.6)
    assert run.kinds("all_red_hold_end")[0].data["resolved"] is False


def test_card_tap_calls_the_walk_and_guarantees_the_registered_walkers_time_even_undetected():
    spec = CrossingSpec("A", length_m=24.0, lanes=6, zone="senior")  # floor 30 s, cap 60 s
    run = Run(spec=spec)
    run.tick(Observation(detector_ok=True, last_report_s=0.0, card_tap=True))
    assert run.state.request and run.state.request_source == "card"
    run.until(Phase.clearance, lambda t: obs(t))
    start = run.now
    run.until(Phase.all_red, lambda t: obs(t))  # the detector never sees them
    assert run.now - start == pytest.approx(24.0 / T.card_speed_mps - spec.walk_s, abs=0.6)
    assert [e.data["reason"] for e in run.kinds("extension")] == ["card_tap"]


def test_a_track_still_reported_past_the_far_kerb_is_on_the_crossing_until_it_drops_out():
    c = CrossingController(SPEC, Policy.adaptive())
    past = WalkerObs("n", 14.2, 0.5, 10.0)  # noise put a walker 0.3 m short of the kerb 0.2 m past it
    assert c.active_walkers(obs(10.0, walkers=[past]), 10.5) == [past]
    assert c.active_walkers(obs(12.0, walkers=[past]), 12.0) == []  # out of the reports since: off


def test_a_track_standing_at_the_kerb_edge_is_waiting_not_crossing():
    run = Run()
    start = to_clearance(run)
    run.until(Phase.all_red, lambda t: obs(t, walkers=[WalkerObs("k", 0.4, 0.0, t)]))
    assert run.now - start == pytest.approx(T.min_clearance_s, abs=0.6)


def test_a_walker_the_camera_reports_during_the_all_red_holds_it_until_seen_to_leave():
    """Calibration seeds stranded seniors a step short of the far kerb: a noisy point made them look off, or
    they stopped there. The camera's reports during the all-red beat the prediction until it stops seeing them."""
    run = Run()
    start = to_clearance(run)
    leave = start + 12.0  # the camera stops reporting them here: off the crossing
    def walker(t):
        # reported 0.2 m from the far kerb at 1.3 m/s, once a second, 0.5 s late: predicted off 0.15 s after
        # each report was taken, i.e. before it arrives
        return obs(t, walkers=[WalkerObs("w", 13.8, 1.3, min(math.floor(t) - 0.5, leave))])
    run.until(Phase.all_red, walker, limit=200)
    t_all_red = run.now
    assert t_all_red < leave  # the prediction ended the flashing while they were still reported
    run.until(Phase.vehicle_green, walker, limit=200)
    assert leave + T.all_red_leave_s - 0.5 <= run.now <= leave + T.all_red_leave_s + 0.5
    assert run.kinds("all_red_hold")[0].data["reason"] == "found_during_all_red"


def test_a_track_last_reported_before_the_all_red_does_not_lengthen_it():
    run = Run()
    start = to_clearance(run)
    seen_until = start + 3.0
    run.until(Phase.vehicle_green, lambda t: obs(t, walkers=[WalkerObs("w", 13.8, 1.3, min(t, seen_until))]),
              limit=200)
    assert not run.kinds("all_red_hold")
    assert run.kinds("cycle_end")[0].data["clearance_s"] == pytest.approx(T.min_clearance_s)

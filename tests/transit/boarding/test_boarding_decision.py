"""The boarding decision tree as pure functions (domain.decide_with_card / decide_without_card /
after_presentation_check): every branch, without photos, databases or HTTP; then the fare each decision earns."""

import uuid

import pytest

from services.transit.boarding import domain
from services.transit.boarding.domain import CardFacts, Decision, FrameCandidates, IdentifyPolicy

TH = domain.Thresholds(verify=0.37, mismatch=0.62, identify=0.34, identify_gallery=0.30, margin=0.08)
HOLDER, OTHER = uuid.uuid4(), uuid.uuid4()
ACTIVE = CardFacts("active", rider_id=HOLDER, templates=3)


@pytest.mark.parametrize("facts, distances, expected", [
    (CardFacts("unregistered"), [0.2], (Decision.unknown, "card_not_registered", False, None)),
    (CardFacts("revoked"), [0.2], (Decision.unknown, "card_revoked", True, None)),
    (CardFacts("active", rider_id=HOLDER, templates=0), [0.2], (Decision.unknown, "not_enrolled", False, HOLDER)),
    (CardFacts("active", rider_id=HOLDER, templates=0, other_model_templates=True), [0.2],
     (Decision.unknown, "reenrolment_needed", False, HOLDER)),
    (ACTIVE, [], (Decision.no_face, "no_face_in_frames", False, HOLDER)),
    (ACTIVE, [0.30, 0.35, 0.50], (Decision.verified, None, False, HOLDER)),
    (ACTIVE, [0.50, 0.55, 0.60], (Decision.unknown, "weak_match", False, HOLDER)),
    (ACTIVE, [0.70, 0.80, 0.30], (Decision.mismatch, "face_differs_from_card_holder", True, HOLDER)),
])
def test_with_a_card(facts, distances, expected):
    out = domain.decide_with_card(facts, distances, TH)
    assert (out.decision, out.reason, out.flagged, out.rider_id) == expected


def frame(rider, d1, d2=None):
    return FrameCandidates(top1_rider=rider, top1_distance=d1, top2_distance=d2)


@pytest.mark.parametrize("policy, faces, allowed, found, expected", [
    (IdentifyPolicy.off, 2, True, [frame(HOLDER, 0.1)], (Decision.unknown, "identification_off")),
    (IdentifyPolicy.route_regulars, 0, True, [], (Decision.no_face, "no_face_in_frames")),
    (IdentifyPolicy.route_regulars, 2, False, [frame(HOLDER, 0.1)], (Decision.unknown, "candidate_set_too_large")),
    (IdentifyPolicy.route_regulars, 2, True, [], (Decision.unknown, "no_candidates")),
    (IdentifyPolicy.route_regulars, 2, True, [frame(HOLDER, 0.30, 0.50), frame(HOLDER, 0.32, 0.55)],
     (Decision.identified, None)),
    # 0.32 is within the route threshold (0.34) but not the whole-gallery one (0.30): the policy sets the bar
    (IdentifyPolicy.gallery, 2, True, [frame(HOLDER, 0.32, 0.55), frame(HOLDER, 0.32, 0.55)],
     (Decision.unknown, "no_confident_match")),
    (IdentifyPolicy.route_regulars, 2, True, [frame(HOLDER, 0.30, 0.33), frame(HOLDER, 0.30, 0.33)],
     (Decision.unknown, "no_confident_match")),  # a runner-up too close: no margin
])
def test_without_a_card(policy, faces, allowed, found, expected):
    out = domain.decide_without_card(policy, faces=faces, allowed=allowed, found=found, th=TH)
    assert (out.decision, out.reason) == expected


@pytest.mark.parametrize("decision", list(Decision))
@pytest.mark.parametrize("with_card", [True, False])
def test_a_suspected_photo_never_leaves_a_face_match_standing(decision, with_card):
    before = domain.Outcome(decision, rider_id=HOLDER, distance=0.2)
    out = domain.after_presentation_check(before, suspected=True, with_card=with_card)
    if decision in (Decision.verified, Decision.identified):
        assert (out.decision, out.reason, out.flagged) == (Decision.unknown, "presentation_attack_suspected", True)
        assert out.rider_id == (HOLDER if with_card else None)
    else:
        assert out == before
    assert domain.after_presentation_check(before, suspected=False, with_card=with_card) == before


@pytest.mark.parametrize("decision", list(Decision))
def test_only_a_verified_face_or_the_driver_grants_the_concession(decision):
    granted = domain.concession_outcome(decision.value, "senior")
    assert granted.applied is (decision == Decision.verified)
    assert domain.concession_outcome(decision.value, "senior", driver_confirmed=True).applied is True
    assert domain.concession_outcome(decision.value, "none").applied is False

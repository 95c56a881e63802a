"""Pure boarding rules and the in-memory index, on encodings of real photos computed once per session."""

import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag

from services.transit.boarding import domain
from services.transit.boarding.domain import Decision, FrameCandidates
from services.transit.boarding.gallery import GalleryIndex
from services.transit.boarding.templates import open_sealed, seal, template_cipher
from services.transit.settings import DEV_TEMPLATE_KEY, TransitSettings


def test_fares_follow_the_date_of_the_boarding_in_seoul():
    before = datetime(2025, 6, 30, 14, 59, tzinfo=UTC)  # 23:59 in Seoul, 30 June
    after = datetime(2025, 6, 30, 15, 0, tzinfo=UTC)  # 00:00 in Seoul, 1 July
    assert domain.fare_for("senior", before).fare_krw == 1200
    rule = domain.fare_for("senior", after)
    assert rule.fare_krw == 0 and "2025-07-01" in rule.source
    assert domain.fare_for("student", after).fare_krw == 900
    assert domain.fare_for("unheard-of", after).fare_krw == 1200


def test_verification_votes_and_never_calls_a_weak_match_a_mismatch():
    assert domain.verify_vote([0.40, 0.45, 0.70], verify=0.5, mismatch=0.62).decision == Decision.verified
    weak = domain.verify_vote([0.55, 0.58, 0.60], verify=0.5, mismatch=0.62)
    assert weak.decision == Decision.unknown and not weak.flagged
    clear = domain.verify_vote([0.80, 0.85, 0.40], verify=0.5, mismatch=0.62)
    assert clear.decision == Decision.mismatch and clear.flagged
    assert domain.verify_vote([], verify=0.5, mismatch=0.62).decision == Decision.no_face


def test_identification_needs_threshold_margin_and_a_majority():
    a, b = uuid.uuid4(), uuid.uuid4()
    good = [FrameCandidates(a, 0.35, 0.60), FrameCandidates(a, 0.38, 0.62), FrameCandidates(b, 0.50, 0.52)]
    out = domain.identify_vote(good, threshold=0.44, margin=0.1)
    assert out.decision == Decision.identified and out.rider_id == a and out.margin == pytest.approx(0.245)
    close_second = [FrameCandidates(a, 0.35, 0.40)] * 3  # a look-alike within the margin
    assert domain.identify_vote(close_second, threshold=0.44, margin=0.1).decision == Decision.unknown
    split = [FrameCandidates(a, 0.35, 0.7), FrameCandidates(b, 0.35, 0.7)]
    assert domain.identify_vote(split, threshold=0.44, margin=0.1).decision == Decision.unknown


def test_same_person_is_near_and_another_is_far(encoded):
    obama1 = encoded("people/obama/1.jpg").largest().encoding
    obama2 = encoded("people/obama/2.jpg").largest().encoding
    biden = encoded("people/biden/2.jpg").largest().encoding
    assert domain.distances([obama1], obama2)[0] < 0.51
    assert domain.distances([obama1], biden)[0] > 0.62


def test_templates_are_sealed_and_bound_to_their_rider(encoded):
    cipher = template_cipher(DEV_TEMPLATE_KEY)
    enc = encoded("people/obama/1.jpg").largest().encoding
    rider = uuid.uuid4()
    sealed = seal(cipher, enc, rider)
    assert np.asarray(enc, dtype="<f4").tobytes()[:16] not in sealed
    assert np.allclose(open_sealed(cipher, sealed, rider), enc, atol=1e-6)
    with pytest.raises(InvalidTag):
        open_sealed(cipher, sealed, uuid.uuid4())  # moved to another rider: refused
    with pytest.raises(InvalidTag):
        open_sealed(template_cipher("A" * 43 + "="), sealed, rider)


def test_the_dev_template_key_is_refused_outside_dev():
    settings = TransitSettings(env="production", auth_secret="x" * 40)
    assert "TRANSIT_BOARDING_TEMPLATE_KEY" in settings.default_secrets()
    with pytest.raises(RuntimeError):
        settings.check_secrets()


def test_index_search_agrees_with_face_distance_and_forgets_erased_riders():
    import face_recognition

    rng = np.random.default_rng(3)
    gallery = rng.normal(0, 0.09, (500, 128)).astype(np.float32)
    riders = [uuid.uuid4() for _ in range(250)]
    index = GalleryIndex(capacity=8)  # grows as it fills
    for i, rider in enumerate(riders):
        index.replace_rider(rider, [gallery[2 * i], gallery[2 * i + 1]], [uuid.uuid4(), uuid.uuid4()],
                            ["R1"] if i % 2 else ["R2"])
    probes = gallery[::7] + rng.normal(0, 0.02, (len(gallery[::7]), 128)).astype(np.float32)
    for probe, found in zip(probes, index.search(probes), strict=True):
        d = face_recognition.face_distance(gallery, probe)
        assert found.top1_rider == riders[int(np.argmin(d)) // 2]
        assert found.top1_distance == pytest.approx(d.min(), abs=1e-4)
    # the route's candidate set holds only its regulars
    found = index.search(gallery[0:1], route_id="R1")[0]  # rider 0 rides R2
    assert found.top1_rider != riders[0]
    index.remove_rider(riders[0])
    assert not index.has_rider(riders[0]) and len(index) == 498
    assert index.search(gallery[0:1])[0].top1_rider != riders[0]
    assert index.riders() == 249


def test_presentation_attack_on_identical_or_rigid_frames(encoded):
    from services.transit.boarding import faces
    from tests.transit.boarding.conftest import moved

    live = [encoded(n).largest() for n in ("people/obama/1.jpg", "people/obama/2.jpg")]
    ok = domain.presentation_attack(["a", "b"], [f.landmarks for f in live], min_motion=0.04)
    assert ok.checked and not ok.suspected
    assert domain.presentation_attack(["a", "a"], [], min_motion=0.04).reason == "identical_frames"
    assert not domain.presentation_attack(["a"], [live[0].landmarks], min_motion=0.04).checked
    held = [faces.read_frame(moved("people/obama/2.jpg", dx=dx, dy=dy, angle=a, scale=s), max_bytes=10**8,
                             max_pixels=10**8).largest()
            for dx, dy, a, s in ((0, 0, 0, 1.0), (20, -8, 6, 1.05))]
    result = domain.presentation_attack(["x", "y"], [f.landmarks for f in held], min_motion=0.04)
    assert result.suspected and result.reason == "rigid_motion_only"


def test_calibration_rates_on_a_tiny_labelled_set():
    enc = np.array([[0.0], [0.3], [1.0], [1.2], [3.0]])
    labels = ["a", "a", "b", "b", "c"]
    genuine, impostor = domain.pair_distances(enc, labels)
    assert sorted(np.round(genuine, 3)) == [0.2, 0.3]
    fnmr, fmr = domain.verification_rates(genuine, impostor, [0.25, 0.5])
    assert fnmr == [0.5, 0.0] and fmr == [0.0, 0.0]
    t = domain.threshold_for_fmr(impostor, 0.0)
    assert t < impostor.min()
    fnir, fpir, mated, nonmated = domain.identification_rates(enc, labels, [0.5, 2.5])
    assert (mated, nonmated) == (4, 1)
    assert fpir == [0.0, 1.0]  # c at distance 1.8 from b's photo matches only at 2.5


def _same(a, b, radius=None) -> bool:
    """Equal answers; with a radius, riders beyond it count as absent (the index may leave them out)."""
    if radius is not None:
        a, b = (GalleryIndex._within(x, radius) if x is not None else None for x in (a, b))
    if a is None or b is None:
        return a is b
    return (a.top1_rider == b.top1_rider and abs(a.top1_distance - b.top1_distance) < 1e-5
            and (a.top2_distance is None) == (b.top2_distance is None)
            and (a.top2_distance is None or abs(a.top2_distance - b.top2_distance) < 1e-5))


def test_ann_search_agrees_with_exact_search_through_replace_and_remove():
    """Past `ann_min_rows` the whole-gallery search goes through faiss's HNSW graph and the exact distances of
    its candidates decide: the answers are the exact search's, to the distance, also after riders are replaced,
    removed, or withdraw from identification. A search that trusted the graph's own distances, or a graph left
    stale by a change, fails here; so does an erasure that left the face in the graph's own copy."""
    rng = np.random.default_rng(11)
    base = rng.normal(0, 0.09, (64, 128)).astype(np.float32)  # people cluster around a few "looks", like faces
    riders = [uuid.uuid4() for _ in range(1500)]
    templates = {r: [base[i % 64] + rng.normal(0, 0.06, 128).astype(np.float32) for _ in range(1 + i % 3)]
                 for i, r in enumerate(riders)}
    exact = GalleryIndex(capacity=8, ann_min_rows=10**9)
    # never rebuilt here (the next test rebuilds): the changes below all reach the one graph built now
    ann = GalleryIndex(capacity=8, ann_min_rows=1000, ann_candidates=32, ann_expansion=128, ann_rebuild_share=1.0)
    for index in (exact, ann):
        for i, r in enumerate(riders):
            index.replace_rider(r, templates[r], [uuid.uuid4() for _ in templates[r]], ["R1"],
                                identifiable=i % 10 != 0)
    ann.build_ann(threads=1)  # one thread builds the same graph every run (a parallel build varies)
    assert ann.uses_ann and not exact.uses_ann and ann.ann_bytes() > 0

    def check(probes):
        for radius in (None, 0.55):
            want, got = exact.search(probes, radius=radius), ann.search(probes, radius=radius)
            assert sum(_same(w, g, radius) for w, g in zip(want, got, strict=True)) == len(probes)
            one = probes[len(probes) // 2]  # a boarding with one frame: one probe
            assert _same(exact.search(one, radius=radius)[0], ann.search(one, radius=radius)[0], radius)

    def probes_of(people):
        return np.array([templates[r][0] + rng.normal(0, 0.03, 128).astype(np.float32) for r in people])

    check(probes_of(riders[1:400:3]))
    # change the gallery under the graph: new faces, erasures, a consent withdrawn and one given
    for r in riders[1:200:4]:
        templates[r] = [rng.normal(0, 0.09, 128).astype(np.float32) for _ in range(2)]
    for index in (exact, ann):
        for i, r in enumerate(riders[1:200:4]):
            index.replace_rider(r, templates[r], [uuid.uuid4(), uuid.uuid4()], ["R1"], identifiable=i % 7 != 3)
        for r in riders[2:300:5]:
            index.remove_rider(r)
        index.replace_rider(riders[0], templates[riders[0]], [uuid.uuid4()], ["R1"], identifiable=True)
    gone = [r for r in riders[2:300:5]]
    assert not ann.has_rider(gone[0]) and len(ann) == len(exact)
    stored = ann._ann.stored_rows()  # the graph cannot delete: an erased face's vector is overwritten
    for r in gone:
        for face in templates[r]:
            assert not np.any(np.all(np.isclose(stored, face), axis=1))
    moved = probes_of(riders[1:200:4])  # only their new faces can be found
    findable = [i % 7 != 3 and r not in set(riders[2:300:5]) for i, r in enumerate(riders[1:200:4])]
    found = ann.search(moved, radius=0.55)
    assert [f is not None and f.top1_rider == r for f, r in zip(found, riders[1:200:4], strict=True)] == findable
    assert 30 < sum(findable) < 50
    check(moved)
    check(probes_of(gone))  # an erased rider is nobody's answer
    assert all(f is None or f.top1_rider not in set(gone) for f in ann.search(probes_of(gone)))
    check(probes_of(riders[:600:2]))
    check(rng.normal(0, 0.09, (100, 128)).astype(np.float32))  # strangers


def test_two_writers_of_the_first_templates_of_another_dimension_leave_one_copy():
    """An ONNX model's index starts at dlib's 128 and takes the dimension of its first templates. The request
    thread (after the enrolment commits) and the gallery follower both write that first rider; they once got
    two different locks (the index was re-made, lock and all), both wrote, and the rider was held twice."""
    import threading

    template = np.ones(64, dtype=np.float32) / 8.0
    for _ in range(300):
        index, rider = GalleryIndex(capacity=8), uuid.uuid4()
        lock = index._lock
        start = threading.Barrier(3)

        def write(index=index, rider=rider, start=start):
            start.wait()
            index.replace_rider(rider, [template], [uuid.uuid4()], ["R1"])

        writers = [threading.Thread(target=write) for _ in range(3)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        assert index._lock is lock and index.templates_of(rider).shape == (1, 64) and len(index) == 1


def test_ann_graph_is_rebuilt_once_a_share_of_it_is_removed():
    """faiss's HNSW cannot delete: a removed vector stays as a far-away stand-in (a hole that costs a little
    recall) until a twentieth of the graph is removed; then a new graph is built in the background while the old
    one serves. After it the graph holds only the living templates, no erased face, and answers are still the
    exact search's."""
    import time

    rng = np.random.default_rng(5)
    riders = [uuid.uuid4() for _ in range(1200)]
    faces = {r: rng.normal(0, 0.09, 128).astype(np.float32) for r in riders}
    exact = GalleryIndex(capacity=8, ann_min_rows=10**9)
    # search depth 512 of ~1,100 vectors: near-exhaustive, so this checks the plumbing, not the graph's recall
    ann = GalleryIndex(capacity=8, ann_min_rows=500, ann_candidates=32, ann_expansion=512)
    for index in (exact, ann):
        for r in riders:
            index.replace_rider(r, [faces[r]], [uuid.uuid4()], ["R1"])
    ann.build_ann(threads=1)
    first = ann._ann
    for index in (exact, ann):
        for r in riders[:50]:
            index.remove_rider(r)
    assert ann._ann is first and first.removed == 50  # 4 %: not yet
    assert not any(np.any(np.all(np.isclose(first.stored_rows(), faces[r]), axis=1)) for r in riders[:50])
    for index in (exact, ann):
        for r in riders[50:70]:
            index.remove_rider(r)
    deadline = time.monotonic() + 30
    while (ann._ann is first or ann._ann_pending is not None) and time.monotonic() < deadline:
        time.sleep(0.05)
    # the new graph started from the rows left at the 60th removal (or later); the rest reached it as changes
    assert ann._ann is not first and ann._ann.removed <= 10 and len(ann._ann) == 1130
    stored = ann._ann.stored_rows()
    assert len(stored) == 1130 + ann._ann.removed
    assert not any(np.any(np.all(np.isclose(stored, faces[r]), axis=1)) for r in riders[:70])
    probes = np.array([faces[r] + rng.normal(0, 0.02, 128).astype(np.float32) for r in riders[::7]])
    for want, got in zip(exact.search(probes), ann.search(probes), strict=True):
        assert _same(want, got, None)


def test_a_gallery_built_without_settings_takes_the_settings_defaults_and_refuses_unknown_ones():
    shipped = TransitSettings.model_fields
    index = GalleryIndex(capacity=8, ann_candidates=32)
    assert index.ann_candidates == 32
    assert (index.ann_min_rows, index.ann_expansion, index.ann_connectivity, index.ann_expansion_add) == (
        shipped["boarding_ann_min_templates"].default, shipped["boarding_ann_expansion"].default,
        shipped["boarding_ann_connectivity"].default, shipped["boarding_ann_expansion_add"].default)
    with pytest.raises(TypeError, match="ann_depth"):
        GalleryIndex(ann_depth=3)


def test_dlibs_models_load_without_the_unmaintained_wrapper_or_pkg_resources():
    """In a fresh process, as a service starts: the model files are found by path, so neither face_recognition nor
    face_recognition_models (whose import needs pkg_resources, gone from setuptools 81) is ever imported, and
    PIL's LOAD_TRUNCATED_IMAGES stays off."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from PIL import ImageFile\n"
        "from services.transit.boarding import faces\n"
        "for key in ('detector', 'sp5', 'resnet'):\n"
        "    assert faces._load(key) is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "             ('face_recognition', 'face_recognition_models', 'pkg_resources')), ImageFile.LOAD_TRUNCATED_IMAGES)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "False"]

"""The ONNX adapter for ArcFace-style 112x112 models, end to end through the API with a tiny model the test builds
(a fixed random projection of the aligned crop: not a face model, but the same contract as a licensed one)."""

import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.transit.boarding import faces
from services.transit.boarding.models import FaceTemplate
from tests.transit.boarding.conftest import BoardingApi, shrunk

onnx = pytest.importorskip("onnx")


def build_tiny_arcface(path, dim: int = 64, seed: int = 7) -> None:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((3 * 112 * 112, dim)).astype(np.float32) / 100
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
         helper.make_node("MatMul", ["flat", "w"], ["embedding"])],
        "tiny_arcface",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, dim])],
        initializer=[numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_alignment_puts_the_eyes_and_nose_on_the_arcface_template():
    src = np.array([[40, 60], [60, 60], [100, 62], [120, 62], [80, 100]], float)  # dlib's 5 points
    m = faces.similarity_transform(faces.arcface_points(src), faces.ARCFACE_TEMPLATE[:3])
    mapped = (m[:, :2] @ faces.arcface_points(src).T).T + m[:, 2]
    assert np.allclose(mapped[:2], faces.ARCFACE_TEMPLATE[:2], atol=2.0)  # the eyes land on the template's
    crop = faces.align_112(np.zeros((200, 200, 3), np.uint8), src)
    assert crop.shape == (112, 112, 3)


def test_a_city_plugs_an_onnx_model_and_templates_of_two_models_never_meet(tmp_path, client_for, auth,
                                                                           service_db):
    path = tmp_path / "tiny.onnx"
    build_tiny_arcface(path)
    dlib_api = BoardingApi(client_for("transit"), auth)
    rider = dlib_api.rider()
    assert dlib_api.enrol(rider, "people/obama/1.jpg").status_code == 200
    card = dlib_api.card(rider, "senior")

    # the city switches model: a new worker loads only the new model's templates
    # the door scans the whole frame as the kiosk does (no BlazeFace first): the same photo at both gives the same
    # box, so the same template, which the distance below shows
    api = BoardingApi(client_for("transit", boarding_face_model="onnx", boarding_onnx_model_path=str(path),
                                 boarding_onnx_model_id="tiny-arcface-test", boarding_detect_locate_first=False), auth)
    assert api.client.app.state.gallery.model_id == "tiny-arcface-test"
    body = api.board([shrunk("people/obama/1.jpg")], card_id=card).json()
    assert body["decision"] == "unknown" and body["reason"] == "reenrolment_needed"
    assert api.client.get(f"/v1/riders/{rider}", headers=api.kiosk).json()["needs_reenrolment"] is True

    r = api.enrol(rider, "people/obama/1.jpg")  # re-enrolment with the new model
    assert r.status_code == 200 and r.json()["model_id"] == "tiny-arcface-test"
    with Session(service_db("transit").engine) as s:
        rows = s.scalars(select(FaceTemplate).where(FaceTemplate.rider_id == uuid.UUID(rider))).all()
    assert [t.model_id for t in rows] == ["tiny-arcface-test"]
    held = api.client.app.state.gallery.templates_of(uuid.UUID(rider))
    assert held.shape == (1, 64) and np.isclose(np.linalg.norm(held[0]), 1.0, atol=1e-4)
    same = api.board([shrunk("people/obama/1.jpg")], card_id=card).json()
    assert same["decision"] == "verified" and same["distance"] < 0.01, same
    other = api.board([shrunk("people/biden/2.jpg")], card_id=card).json()
    assert other["distance"] > same["distance"] and other["concession_applied"] is (other["decision"] == "verified")


def test_evaluate_compares_two_models_on_the_same_photos(tmp_path):
    from typer.testing import CliRunner

    from services import cli

    path = tmp_path / "tiny.onnx"
    build_tiny_arcface(path)
    cal = Path(__file__).resolve().parents[2] / "fixtures" / "faces" / "calibration"
    if not any(group.name == "transit" for group in cli.app.registered_groups):
        cli._add_service_commands()
    result = CliRunner().invoke(cli.app, ["transit", "evaluate", str(cal / "lfw-east-asian"), "--groups",
                                          str(cal / "groups.csv"), "--compare-onnx", str(path),
                                          "--onnx-model-id", "tiny-arcface-test"])
    assert result.exit_code == 0, result.output
    first, second = result.output.split("model tiny-arcface-test")
    assert first.startswith("model dlib_resnet_v1+5pt")
    for block in (first, second):  # the same photos through each model, per group
        assert "[east_asian] configured verify threshold" in block
        assert re.search(r"photos the door would use: (\d+) of 17", block)

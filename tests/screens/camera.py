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


def frames(photo: Path, count: int = 30) -> list[Image.Image]:
    base = fit(photo)
    out = []
    for i in range(count):
        phase = 2 * math.pi * i / count
        squeeze = 1 + 0.04 * math.sin(phase)  # a turn of the head: not a similarity transform
        dx = 6 * math.sin(phase)
        dy = 3 * math.cos(phase)
        cx = WIDTH / 2
        # inverse affine map (output -> input pixel)
        out.append(base.transform((WIDTH, HEIGHT), Image.Transform.AFFINE,
                                  (1 / squeeze, 0, cx - cx / squeeze - dx, 0, 1, -dy),
                                  resample=Image.Resampling.BILINEAR, fillcolor=(96, 96, 96)))
    return out


def write_y4m(photo: Path, out: Path, count: int = 30) -> Path:
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

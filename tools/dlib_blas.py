"""`aicity dlib-blas`: dlib compiled on this machine with OpenBLAS, into `var/dlib-blas`.

The locked environment installs `dlib-bin` (prebuilt, AVX, no BLAS): there the face encoder (dlib's ResNet) is
the door's slowest stage, ~86 ms of a ~180 ms decision on one core. Built with a BLAS it takes ~20 ms
(docs/BENCHMARKS.md, bench_boarding_decision). dlib has no wheel with BLAS, so a deployment that wants it
compiles it (several minutes on two cores; needs cmake, a C++ compiler and libopenblas-dev) and runs the
services with `PYTHONPATH=var/dlib-blas`, which puts this build before the venv's dlib-bin. The benchmark
measures it beside dlib-bin whenever the folder exists. Nothing in the tests depends on it.
"""

import os
import shutil
import subprocess
import sys
from importlib import metadata

from services.common.settings import REPO_ROOT

TARGET = REPO_ROOT / "var" / "dlib-blas"
# dlib-bin 20.0.1 is built from dlib 20.0.0's sources, the newest dlib on PyPI as source
VERSION = "20.0.0"


def _missing() -> list[str]:
    missing = [tool for tool in ("cmake", "c++") if shutil.which(tool) is None]
    ldconfig = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    if "libopenblas" not in ldconfig:
        missing.append("libopenblas (Debian: apt-get install libopenblas-dev)")
    return missing


def check(python: str = sys.executable) -> str | None:
    """The built dlib's own word on itself, or None when there is none."""
    if not (TARGET / "dlib").is_dir():
        return None
    out = subprocess.run([python, "-c", "import dlib; print(dlib.__version__, dlib.DLIB_USE_BLAS, dlib.__file__)"],
                         env={**os.environ, "PYTHONPATH": str(TARGET)}, capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()[-500:]


def build(*, force: bool = False) -> int:
    if not force and (found := check()):
        print(f"already built: {found}")
        return 0
    if missing := _missing():
        print("cannot build dlib with OpenBLAS here; missing: " + ", ".join(missing))
        return 2
    print(f"building dlib {VERSION} with OpenBLAS into {TARGET} (several minutes; dlib-bin "
          f"{metadata.version('dlib-bin')} stays the venv's default)", flush=True)
    shutil.rmtree(TARGET, ignore_errors=True)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    # -march=native: this build is for this machine; without it dlib's HOG detection ran 2.4x slower than
    # dlib-bin's (215 against 89 ms a 720p frame), with it 1.6x (137 ms): the encoder's gain was lost to it.
    flags = " ".join(x for x in (os.environ.get("CXXFLAGS", ""), "-march=native -O3") if x)
    env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 1), "CXXFLAGS": flags,
           "CFLAGS": " ".join(x for x in (os.environ.get("CFLAGS", ""), "-march=native -O3") if x)}
    # --no-config: the project's own uv settings override dlib away (dlib-bin provides it)
    proc = subprocess.run(["uv", "--no-config", "pip", "install", "--python", sys.executable, "--target",
                           str(TARGET), "--no-deps", "--no-binary", "dlib", "--no-cache", f"dlib=={VERSION}"],
                          env=env, cwd=TARGET.parent)
    if proc.returncode:
        return proc.returncode
    found = check()
    print(f"built: {found}")
    if not found or " True " not in f" {found} ":
        print("the build did not find a BLAS (dlib.DLIB_USE_BLAS is False): is libopenblas-dev installed?")
        return 1
    return 0

#!/usr/bin/env python3
"""Builds the inspection engine's hot modules with mypyc into the virtualenv.

    .venv/bin/python scripts/build-compiled.py [--require] [--force]

The build goes to ``<sys.prefix>/kefu-compiled`` with a stamp of the sources it was made from;
`kefu.domain.inspection.compiled` uses it only while the sources are unchanged (see there). Nothing
is built when the stamp is current. Without a C compiler or mypy the engine runs as pure Python:
that is a message, and an error only with ``--require`` (``make test`` requires the build, so CI
tests the code that production runs). ``KEFU_PURE_PYTHON=1`` skips the build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kefu.domain.inspection import compiled  # noqa: E402

SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify

paths, group, c_dir = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
setup(
    name="kefu-compiled",
    ext_modules=mypycify(paths, opt_level="3", group_name=group, target_dir=c_dir),
    script_args=sys.argv[4:],
)
"""


def log(message: str) -> None:
    print(f"build-compiled: {message}", file=sys.stderr, flush=True)


def missing_tools() -> str | None:
    """Why a build cannot be made here, or None."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}) on PATH"
    include = sysconfig.get_path("include")
    if not (Path(include) / "Python.h").exists():
        return f"no Python headers (Python.h) in {include}"
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypy (with mypyc) is not installed: pip install -c requirements.lock -e .[compiled]"
    return None


def build(target: Path) -> None:
    digest = compiled.source_digest()  # of the sources as they are when the build starts
    package = Path(*compiled.__name__.split(".")[:-1])
    paths = [str(package / f"{module}.py") for module in compiled.MODULES]
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kefu-compiled-", dir=target.parent))
    try:
        lib = work / "lib"
        command = [
            sys.executable,
            "-c",
            SETUP,
            ",".join(paths),
            compiled.GROUP,
            str(work / "c"),
            "build_ext",
            "--build-lib",
            str(lib),
            "--build-temp",
            str(work / "temp"),
        ]
        started = time.monotonic()
        # mypy's cache stays beside the build, out of the source tree.
        env = {**os.environ, "MYPY_CACHE_DIR": str(target.parent / "kefu-compiled-mypy-cache")}
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-6000:] + result.stderr[-6000:])
            raise SystemExit(f"build-compiled: mypyc failed (exit {result.returncode}), see above")
        from mypy.version import __version__ as mypy_version

        stamp = {
            "digest": digest,
            "mypy": mypy_version,
            "python": sys.version.split()[0],
            "modules": ",".join(compiled.MODULES),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (lib / compiled.STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        # Swap the new build in whole: a reader never sees half of one.
        old = work / "old"
        if target.exists():
            target.rename(old)
        lib.rename(target)
        log(f"built {len(paths)} modules in {time.monotonic() - started:.0f} s into {target}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="fail when no build can be made")
    parser.add_argument("--force", action="store_true", help="build even if the stamp is current")
    args = parser.parse_args(argv)

    if os.environ.get(compiled.DISABLE_ENV):
        log(f"{compiled.DISABLE_ENV} is set: the engine runs as pure Python, nothing built")
        return 0
    target = compiled.build_dir()
    stamp = compiled.read_stamp(target)
    if not args.force and stamp and stamp.get("digest") == compiled.source_digest():
        usable, why = compiled.usable_build(target)
        if usable is not None:
            log(f"up to date ({target})")
            return 0
        log(why)
    problem = missing_tools()
    if problem is not None:
        log(f"{problem}; the inspection engine runs as pure Python (about 1.7x slower)")
        return 1 if args.require else 0
    log(f"compiling {', '.join(compiled.MODULES)} with mypyc (about half a minute)")
    build(target)
    usable, why = compiled.usable_build(target)
    if usable is None:
        log(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

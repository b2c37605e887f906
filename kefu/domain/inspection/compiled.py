"""The engine's hot modules compiled with mypyc, used only when built from the sources as they are.

Inspecting a conversation spends its time in many small Python-level steps per turn and per rule.
Compiling the same source with mypyc (as black and mypy ship themselves) makes inspection about 1.7
times faster (docs/benchmarks.md, "Inspection"). The Python source stays the one definition (hot
loops are written as typed plain loops, which the compiler turns into native code and which cost
no more uncompiled), and the test suite runs the inspection tests both ways.

The build lives outside the source tree, in the virtualenv (``<sys.prefix>/kefu-compiled``), and a
stamp records a digest of the sources it was built from. It is put on the package's search path
only while that digest matches the sources now, so an edited module is never shadowed by an old
build: after any edit under ``kefu/domain`` the engine runs as written until
``scripts/build-compiled.py`` builds again (``make run`` and ``make test`` do). Setting
``KEFU_PURE_PYTHON=1`` turns the build off.

This module itself is never compiled: it decides whether the compiled modules are used.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

# Compiled: every module of the package but `__init__` and this one.
MODULES = (
    "problems",
    "normalize",
    "extract",
    "moments",
    "report",
    "context",
    "conditions",
    "builtins",
    "rulebook",
    "engine",
)
GROUP = "kefu_inspection"  # the name of the shared library mypyc builds for the modules
DISABLE_ENV = "KEFU_PURE_PYTHON"
STAMP = "stamp.json"

PACKAGE_DIR = Path(__file__).resolve().parent
DOMAIN_DIR = PACKAGE_DIR.parent

# What `activate` decided, for `kefu inspect --version`-style diagnostics and the benchmark.
status = "pure Python: not activated"


def build_dir() -> Path:
    """Where the build for this interpreter lives (the virtualenv, so a new venv rebuilds)."""
    return Path(sys.prefix) / "kefu-compiled"


def source_digest(domain_dir: Path = DOMAIN_DIR) -> str:
    """A digest of every domain module and of the interpreter: what a build is valid for.

    The whole of ``kefu/domain`` counts, not only the compiled modules, because compiled code
    calls into the modules it imports with the types they had when it was built.
    """
    digest = hashlib.sha256()
    digest.update(sys.implementation.cache_tag.encode())
    digest.update(" ".join(MODULES).encode())
    for path in sorted(domain_dir.rglob("*.py")):
        digest.update(path.relative_to(domain_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def read_stamp(build: Path) -> dict[str, str] | None:
    try:
        data = json.loads((build / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def usable_build(
    build: Path | None = None, domain_dir: Path = DOMAIN_DIR
) -> tuple[Path | None, str]:
    """(the build to use or None, why): a build is used only if it was made from these sources."""
    if os.environ.get(DISABLE_ENV):
        return None, f"pure Python: {DISABLE_ENV} is set"
    build = build or build_dir()
    stamp = read_stamp(build)
    if stamp is None:
        return None, f"pure Python: no compiled build in {build} (scripts/build-compiled.py)"
    if stamp.get("digest") != source_digest(domain_dir):
        return (
            None,
            "pure Python: the compiled build is for other sources (scripts/build-compiled.py)",
        )
    package = build.joinpath(*__name__.split(".")[:-1])
    if not all(
        any((package / f"{module}{suffix}").exists() for suffix in EXTENSION_SUFFIXES)
        for module in MODULES
    ):
        return None, f"pure Python: the compiled build in {build} is incomplete"
    return build, f"compiled with mypyc {stamp.get('mypy', '?')} ({build})"


def activate(package_path: list[str]) -> str:
    """Puts the compiled modules first on the package's search path, if they are usable."""
    global status
    build, status = usable_build()
    if build is not None:
        package = str(build.joinpath(*__name__.split(".")[:-1]))
        if package not in package_path:
            package_path.insert(0, package)
        if str(build) not in sys.path:
            sys.path.append(str(build))  # the group's shared library is a top-level module
    return status

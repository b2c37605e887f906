"""The compiled engine is used only when it was built from the sources as they are now."""

from __future__ import annotations

import json
import os
import shutil
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import kefu.domain.inspection as inspection
from kefu.domain.inspection import compiled

SUFFIX = EXTENSION_SUFFIXES[0]


@pytest.fixture
def domain(tmp_path: Path) -> Path:
    """A copy of kefu/domain to edit."""
    copy = tmp_path / "domain"
    shutil.copytree(compiled.DOMAIN_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def fake_build(root: Path, digest: str, modules: tuple[str, ...] = compiled.MODULES) -> Path:
    build = root / "build"
    package = build / "kefu" / "domain" / "inspection"
    package.mkdir(parents=True)
    for module in modules:
        (package / f"{module}{SUFFIX}").write_bytes(b"")
    (build / compiled.STAMP).write_text(json.dumps({"digest": digest, "mypy": "9.9"}))
    return build


@pytest.fixture
def not_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled.DISABLE_ENV, raising=False)


def test_digest_changes_when_any_domain_module_changes(domain: Path) -> None:
    before = compiled.source_digest(domain)
    assert compiled.source_digest(domain) == before
    calendar = domain / "calendar.py"
    calendar.write_text(calendar.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert compiled.source_digest(domain) != before


def test_digest_changes_when_a_module_is_added(domain: Path) -> None:
    before = compiled.source_digest(domain)
    (domain / "inspection" / "new_rule.py").write_text("X = 1\n")
    assert compiled.source_digest(domain) != before


@pytest.mark.usefixtures("not_disabled")
def test_a_build_of_these_sources_is_used(domain: Path, tmp_path: Path) -> None:
    build = fake_build(tmp_path, compiled.source_digest(domain))
    found, why = compiled.usable_build(build, domain)
    assert found == build
    assert why.startswith("compiled with mypyc 9.9")


@pytest.mark.usefixtures("not_disabled")
def test_an_edited_source_is_never_shadowed_by_an_old_build(domain: Path, tmp_path: Path) -> None:
    build = fake_build(tmp_path, compiled.source_digest(domain))
    rules = domain / "inspection" / "conditions.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    found, why = compiled.usable_build(build, domain)
    assert found is None
    assert "other sources" in why


@pytest.mark.usefixtures("not_disabled")
def test_a_missing_or_broken_stamp_means_pure_python(domain: Path, tmp_path: Path) -> None:
    assert compiled.usable_build(tmp_path / "nowhere", domain) == (
        None,
        f"pure Python: no compiled build in {tmp_path / 'nowhere'} (scripts/build-compiled.py)",
    )
    build = fake_build(tmp_path, compiled.source_digest(domain))
    (build / compiled.STAMP).write_text("{not json")
    assert compiled.usable_build(build, domain)[0] is None


@pytest.mark.usefixtures("not_disabled")
def test_an_incomplete_build_is_not_used(domain: Path, tmp_path: Path) -> None:
    build = fake_build(tmp_path, compiled.source_digest(domain), modules=compiled.MODULES[:-1])
    found, why = compiled.usable_build(build, domain)
    assert found is None
    assert "incomplete" in why


def test_the_environment_can_turn_the_build_off(
    domain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = fake_build(tmp_path, compiled.source_digest(domain))
    monkeypatch.setenv(compiled.DISABLE_ENV, "1")
    assert compiled.usable_build(build, domain) == (
        None,
        "pure Python: KEFU_PURE_PYTHON is set",
    )


def test_the_default_rulebook_is_found_from_the_source_package() -> None:
    # A compiled engine module's __file__ is in the build, not next to the rulebooks.
    assert inspection.DEFAULT_RULEBOOK.is_file()
    assert inspection.DEFAULT_RULEBOOK.parent.parent == compiled.PACKAGE_DIR.parents[1]


@pytest.mark.skipif(
    not os.environ.get("KEFU_REQUIRE_COMPILED") or bool(os.environ.get(compiled.DISABLE_ENV)),
    reason="only where the build is required",
)
def test_the_suite_runs_the_compiled_engine_where_it_is_required() -> None:
    # `make test` builds the engine and sets KEFU_REQUIRE_COMPILED: CI tests what production runs
    # (and runs the inspection tests once more as pure Python).
    from kefu.domain.inspection import conditions, engine

    assert compiled.status.startswith("compiled"), compiled.status
    for module in (conditions, engine):
        assert Path(module.__file__ or "").suffix == Path(SUFFIX).suffix


def test_every_module_of_the_engine_is_compiled_but_the_switch_itself() -> None:
    modules = {path.stem for path in compiled.PACKAGE_DIR.glob("*.py")}
    assert set(compiled.MODULES) == modules - {"__init__", "compiled"}

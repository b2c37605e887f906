"""kefu/domain is pure Python: no Django, no Django apps (ARCHITECTURE "Layout").

The check reads every module's import statements with `ast`, so it also catches imports that
only run inside functions or under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "kefu" / "domain"

# Top-level packages that need (or are) Django. Anything under kefu.* other than kefu.domain is
# a Django app or the project's settings, so it is forbidden too.
FORBIDDEN_ROOTS = frozenset(
    {
        "django",
        "ninja",
        "django_tasks",
        "django_tasks_db",
        "django_htmx",
        "template_partials",
        "csp",
        "pytest_django",
        "factory",
        "dj_database_url",
    }
)


def forbidden_imports(source: str, filename: str = "<string>") -> list[str]:
    """'line: module' for each forbidden import in the source."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                # `from .. import x` leaves kefu/domain (a subpackage could still use level 2
                # for a sibling, but nothing needs that yet: keep the rule simple and strict).
                modules = ["." * node.level + (node.module or "")]
            elif node.level == 0 and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in {"__import__", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules = [node.args[0].value]
        for module in modules:
            if _is_forbidden(module):
                problems.append(f"{node.lineno}: {module}")
    return problems


def _is_forbidden(module: str) -> bool:
    if module.startswith(".."):
        return True
    parts = module.split(".")
    if parts[0] in FORBIDDEN_ROOTS:
        return True
    return parts[0] == "kefu" and len(parts) > 1 and parts[1] != "domain"


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_the_domain_package_has_modules() -> None:
    names = {p.name for p in domain_files()}
    assert {"__init__.py", "calendar.py", "sla.py", "holidays.py"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(DOMAIN)))
def test_no_django_imports(path: Path) -> None:
    problems = forbidden_imports(path.read_text(encoding="utf-8"), str(path))
    assert problems == [], f"{path} imports Django or a Django app: {problems}"


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "import django.db.models as m",
        "from django.utils import timezone",
        "from django import forms",
        "def f():\n    from django.conf import settings\n",
        "if TYPE_CHECKING:\n    from kefu.tickets.models import Ticket\n",
        "import kefu.settings",
        "from kefu import settings",
        "from ..tickets import models",
        "import ninja",
        "import importlib\nimportlib.import_module('django.db')",
        "__import__('django')",
    ],
)
def test_the_check_catches(source: str) -> None:
    assert forbidden_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import datetime",
        "from zoneinfo import ZoneInfo",
        "from chinese_calendar import constants",
        "from kefu.domain.calendar import WorkCalendar",
        "from kefu.domain import sla",
        "from . import calendar",
        "from .calendar import WorkCalendar",
        "import djangoish_but_not_django",
    ],
)
def test_the_check_allows(source: str) -> None:
    assert forbidden_imports(source) == []

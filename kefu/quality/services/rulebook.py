"""The site rulebook (settings.KEFU_RULEBOOK or the packaged default), cached per process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# --- rulebook -----------------------------------------------------------------------------------

_rulebook_lock = threading.Lock()
_rulebook_cache: dict[str, Any] = {"key": None, "rulebook": None}


def _rulebook_key() -> tuple[str, float]:
    path = getattr(settings, "KEFU_RULEBOOK", None)
    if not path:
        return ("", 0.0)
    try:
        return (str(path), Path(path).stat().st_mtime)
    except OSError:
        return (str(path), -1.0)


def rulebook_get() -> Any:
    """The site's compiled rulebook: settings.KEFU_RULEBOOK (a YAML file) or the packaged default.

    Cached per process and reloaded when the file changes, so an edited copy takes effect without
    a restart. A bad file raises RulebookInvalid naming the rule and field of each problem.
    """
    from kefu.domain.inspection import default_rulebook, rulebook_from_path

    key = _rulebook_key()
    with _rulebook_lock:
        if _rulebook_cache["key"] == key and _rulebook_cache["rulebook"] is not None:
            return _rulebook_cache["rulebook"]
    rulebook = rulebook_from_path(key[0]) if key[0] else default_rulebook()
    with _rulebook_lock:
        _rulebook_cache["key"] = key
        _rulebook_cache["rulebook"] = rulebook
    return rulebook


def rulebook_invalidate() -> None:
    with _rulebook_lock:
        _rulebook_cache["key"] = None
        _rulebook_cache["rulebook"] = None


def rulebook_error_message(exc: Exception) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return _("规则库有误:%(p)s") % {"p": ";".join(str(p) for p in problems[:10])}
    return _("规则库无法加载:%(e)s") % {"e": exc}

"""Messages stored now and shown later, in the language of whoever reads them.

A notification is written when something happens (often by a background job, in the default
language) but read later by someone who may use the English interface. So a `Message` keeps the
source text (the msgid: mark it with ``gettext_noop`` so ``makemessages`` finds it) and its
parameters, and is translated when shown. Parameters are plain values or nested messages (a
translated label inside a sentence); data such as names, numbers and subjects stay as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Message:
    template: str  # the source text (Chinese), as in the translation catalogue
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The message in the active language (the source text where no translation exists)."""
        text = gettext(self.template)
        if not self.params:
            return text
        values = {
            key: value.render() if isinstance(value, Message) else value
            for key, value in self.params.items()
        }
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return self.template % values

    def as_written(self) -> str:
        """The message in the site's default language: the text stored beside it (and sent by
        email), whatever the language of the request that wrote it."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "params": {
                key: value.to_json() if isinstance(value, Message) else value
                for key, value in self.params.items()
            },
        }

    @classmethod
    def of(cls, template: str, **params: Any) -> Message:
        """A message with its parameters; anything that is not a number or a message is kept as
        its text (a user, a hall, a label already rendered)."""
        return cls(
            template,
            {
                key: value if isinstance(value, Message | int | float) else str(value)
                for key, value in params.items()
            },
        )

    @classmethod
    def of_label(cls, text: Any) -> Message:
        """A translatable label (a choice's label, a lazily translated word) as a message, to
        nest in another so it is translated with the rest. Source texts are in the default
        language; a label translated with a context (pgettext) cannot be nested this way."""
        with translation.override(settings.LANGUAGE_CODE):
            return cls(str(text))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            template=str(data["template"]),
            params={
                key: cls.from_json(value) if isinstance(value, Mapping) else value
                for key, value in (data.get("params") or {}).items()
            },
        )


def render_stored(template: Mapping[str, Any] | None, fallback: str) -> str:
    """A stored message (`Message.to_json`) in the active language, or ``fallback`` (the text as
    written then) when there is none or it cannot be read."""
    if not template:
        return fallback
    try:
        return Message.from_json(template).render()
    except (AttributeError, KeyError, TypeError, ValueError):  # not what to_json writes
        return fallback


# Who acted when kefu itself did: stored as this source text, shown in the reader's language.
SYSTEM_ACTOR = gettext_noop("系统")


def shown_actor(actor_id: int | None, label: str) -> str:
    """Who acted, as shown: a person's name as written; kefu itself (the label "系统", stored in
    the default language) in the active language."""
    return gettext(label) if actor_id is None and label else label

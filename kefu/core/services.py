"""Shared services: audit log, notifications, numbering, optimistic concurrency."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import F

from .messages import Message
from .models import AuditEntry, DailySequence, Notification


class StaleVersion(Exception):
    """An update was based on an older version of the record (optimistic concurrency -> HTTP 409)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(current_version)
        self.current_version = current_version


def audit_record(
    *, actor: Any, action: str, obj: models.Model, detail: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail or {},
    )


def sequence_next(*, prefix: str, day: date) -> int:
    """The next value of a per-day counter; safe with concurrent writers on SQLite and PostgreSQL.

    The UPDATE takes the row lock, so two transactions can never read the same value.
    """
    with transaction.atomic():
        updated = DailySequence.objects.filter(prefix=prefix, day=day).update(value=F("value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    DailySequence.objects.create(prefix=prefix, day=day, value=1)
                    return 1
            except IntegrityError:
                DailySequence.objects.filter(prefix=prefix, day=day).update(value=F("value") + 1)
        return DailySequence.objects.get(prefix=prefix, day=day).value


def notify(
    *,
    users: list[Any],
    message: str | Message,
    level: str = Notification.Level.INFO,
    link: str = "",
    email: bool = True,
) -> None:
    """In-app notification for each user, plus an email where the user has an address.

    A `Message` is stored with its source text and shown in each reader's language; the stored
    text and the email are in the site's default language.
    """
    template: dict[str, Any] = {}
    if isinstance(message, Message):
        template = message.to_json()
        message = message.as_written()
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        Notification.objects.create(
            user=user, level=level, message=message[:500], template=template, link=link
        )
        if email and user.email:
            recipient = user.email
            transaction.on_commit(
                lambda r=recipient: send_mail(
                    subject=f"[{settings.KEFU_SITE_NAME}] {message[:60]}",
                    message=message + (f"\n\n{link}" if link else ""),
                    from_email=None,
                    recipient_list=[r],
                    fail_silently=True,
                )
            )

"""CUS-2 masking: 13812345678 -> 138****5678; ID numbers keep their first 3 and last 4 characters."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) >= 7:
        return f"{phone[:2]}***{phone[-2:]}"
    return "*" * len(phone)


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"

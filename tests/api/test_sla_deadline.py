"""GET /api/sla/deadline answers exactly what `kefu sla deadline` prints."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command


def command_json(*args: str) -> dict:
    out = StringIO()
    call_command("sla", "deadline", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_deadline_preview_matches_the_command(as_alice):
    response = as_alice.get(
        "/api/sla/deadline",
        {
            "kind": "consultation",
            "received": "2026-09-30T16:00:00+08:00",
            "scope": "cross_province",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["reply_due_at"] == "2026-10-10T16:00:00+08:00"
    assert body["policy"] == "cross_province" and body["standards"] == ["SLA-3"]
    assert body == command_json(
        "--kind",
        "consultation",
        "--received",
        "2026-09-30T16:00:00+08:00",
        "--scope",
        "cross_province",
    )


def test_vip_complaint_preview_matches_the_command(as_alice):
    params = {"kind": "complaint", "received": "2026-11-18T10:00:00+08:00", "customer_class": "vip",
              "complaint_category": "service_attitude", "channel": "phone"}  # fmt: skip
    body = as_alice.get("/api/sla/deadline", params).json()
    assert body == command_json(
        "--kind", "complaint", "--received", "2026-11-18T10:00:00+08:00", "--customer-class", "vip",
        "--complaint-category", "service_attitude", "--channel", "phone",
    )  # fmt: skip
    assert body["first_response_due_at"] == "2026-11-18T11:00:00+08:00"


def test_special_scope_uses_the_given_due_time(as_alice):
    body = as_alice.get(
        "/api/sla/deadline",
        {"kind": "transaction", "received": "2026-11-18T10:00:00+08:00", "scope": "special",
         "special_due": "2026-11-25T17:00:00+08:00"},
    ).json()  # fmt: skip
    assert body["policy"] == "special" and body["reply_due_at"] == "2026-11-25T17:00:00+08:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received": "2026-11-18T10:00:00+08:00"}, "kind"),
        ({"kind": "consultation"}, "received"),
        ({"kind": "gossip", "received": "2026-11-18T10:00:00+08:00"}, "kind"),
        ({"kind": "consultation", "received": "18/11/2026"}, "received"),
        (
            {"kind": "consultation", "received": "2026-11-18T10:00:00+08:00", "scope": "global"},
            "scope",
        ),
        (
            {"kind": "consultation", "received": "2026-11-18T10:00:00+08:00", "scope": "special"},
            "special_due",
        ),
        (
            {
                "kind": "consultation",
                "received": "2026-11-18T10:00:00+08:00",
                "customer_class": "gold",
            },
            "customer_class",
        ),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(as_alice, params, field):
    response = as_alice.get("/api/sla/deadline", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]

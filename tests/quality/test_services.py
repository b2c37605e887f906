"""Quality services: import (good and bad files, nothing lost, re-import), inspection, promises
becoming callbacks (once), review and overturn with rescoring, appeals and their permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.models import Notification
from kefu.quality import services
from kefu.quality.models import (
    Appeal,
    Commitment,
    Conversation,
    Finding,
    Inspection,
    InspectionBatch,
    QualityEvent,
)
from kefu.tickets.models import Callback

from .conftest import PROMISE, as_bytes, conversation

pytestmark = pytest.mark.usefixtures("qseed")


def _only_finding(conv: Conversation) -> Finding:
    findings = list(Finding.objects.filter(inspection=conv.latest_inspection))
    assert len(findings) == 1, [(f.rule, f.evidence) for f in findings]
    return findings[0]


# --- import -------------------------------------------------------------------------------------


def test_it_imports_and_inspects_a_conversation(ivan: User, alice: User, customer: Any, import_as):
    result = import_as(ivan, conversation())
    assert (result.created, result.updated, result.problems) == (1, 0, [])
    conv = Conversation.objects.get(external_id="call-20261120-0001")
    assert conv.agent == alice  # matched by employee_no 1024
    assert conv.customer == customer  # matched by phone
    assert conv.imported_by == ivan
    assert conv.payload["segments"][2]["text"] == "不行就是不行,我帮您登记。"
    inspection = conv.latest_inspection
    assert inspection is not None and inspection.is_latest
    assert inspection.report["conversation_id"] == conv.external_id
    assert inspection.report["rulebook"]["name"] == inspection.rulebook_name
    finding = _only_finding(conv)
    assert finding.rule.startswith("forbidden.")
    assert finding.standards == ["SCRIPT-9"]
    assert (finding.segment, finding.evidence) == (2, "不行就是不行")
    assert (
        conv.payload["segments"][2]["text"][finding.span_start : finding.span_end] == "不行就是不行"
    )
    assert finding.suggestion
    assert conv.score == inspection.score == 100 - finding.deduction
    assert conv.verdict == inspection.verdict
    assert conv.finding_count == 1
    assert list(conv.events.values_list("action", flat=True)) == ["imported", "inspected"]


def test_a_file_with_bad_conversations_keeps_the_good_ones(ivan: User, alice: User, import_as):
    bad_speaker = conversation("call-bad-1")
    bad_speaker["segments"][1]["speaker"] = "robot"
    bad_time = conversation("call-bad-2", started_at="yesterday morning")
    result = import_as(
        ivan, conversation("call-good-1"), bad_speaker, conversation("call-good-2"), bad_time
    )
    assert result.created == 2
    assert set(Conversation.objects.values_list("external_id", flat=True)) == {
        "call-good-1",
        "call-good-2",
    }
    where = {(p.where, p.field) for p in result.problems}
    assert ("第2个对话", "segments[1].speaker") in where or any(
        w == "第2个对话" and "speaker" in f for w, f in where
    )
    assert any(w == "第4个对话" and f == "started_at" for w, f in where)
    assert all(p.source == "calls.json" and p.reason for p in result.problems)


@pytest.mark.parametrize(
    ("data", "reason_part"),
    [
        (b"", "空"),
        ("不是 JSON".encode("gb18030"), "GBK"),
        (b'{"id": "x", "channel": "phone"', "列"),
    ],
)
def test_a_bad_file_is_reported_and_nothing_is_saved(ivan: User, data: bytes, reason_part: str):
    result = services.conversations_import(by=ivan, data=data, filename="bad.json")
    assert result.created == result.updated == 0
    assert len(result.problems) == 1
    assert result.problems[0].source == "bad.json"
    assert reason_part in (result.problems[0].where + result.problems[0].reason)
    assert not Conversation.objects.exists()


def test_reimporting_the_same_id_updates_it(ivan: User, alice: User, bob: User, import_as):
    import_as(ivan, conversation())
    first = Conversation.objects.get()
    result = import_as(
        ivan, conversation(agent_text="好的,我帮您登记,稍后回复您。", employee_no="1025")
    )
    assert (result.created, result.updated) == (0, 1)
    conv = Conversation.objects.get()
    assert conv.pk == first.pk
    assert conv.agent == bob
    assert conv.payload["segments"][2]["text"] == "好的,我帮您登记,稍后回复您。"
    assert conv.inspections.count() == 2
    assert conv.inspections.filter(is_latest=True).count() == 1
    assert not Finding.objects.filter(
        conversation=conv, is_latest=True, rule__startswith="forbidden"
    )
    assert "reimported" in list(conv.events.values_list("action", flat=True))


def test_the_agent_comes_from_the_file_else_the_form(ivan: User, alice: User, bob: User, import_as):
    import_as(ivan, conversation("by-number", employee_no="1025"), agent=alice)
    import_as(ivan, conversation("by-form", employee_no="9999"), agent=alice)
    by_id = conversation("by-username", employee_no=None)
    by_id["agent"] = {"id": "bob"}
    import_as(ivan, by_id)
    agents = dict(Conversation.objects.values_list("external_id", "agent__username"))
    assert agents == {"by-number": "bob", "by-form": "alice", "by-username": "bob"}
    assert Conversation.objects.get(external_id="by-form").agent_label.startswith("9999")


def test_agents_may_not_import(alice: User):
    with pytest.raises(PermissionDenied):
        services.conversations_import(by=alice, data=as_bytes(conversation()), filename="a.json")
    assert not Conversation.objects.exists()


def test_more_than_twenty_conversations_are_inspected_by_a_task(ivan: User, alice: User, import_as):
    from kefu.quality.tasks import inspect_batch

    convs = [conversation(f"bulk-{i:02d}") for i in range(25)]
    result = import_as(ivan, *convs)
    assert result.created == 25 and result.inspected == 0
    batch = result.batch
    assert batch is not None and batch.total == 25 and batch.status == "queued"
    assert not Inspection.objects.exists()
    assert inspect_batch.call(batch.pk) == 25
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("done", 25, 0)
    assert Conversation.objects.filter(latest_inspection__isnull=False).count() == 25
    # a retried task does not inspect again
    assert inspect_batch.call(batch.pk) == 25
    assert Inspection.objects.count() == 25


# --- promises -> callbacks ----------------------------------------------------------------------


def test_a_promise_in_a_linked_conversation_becomes_one_callback(
    ivan: User, alice: User, alice_ticket: Any, import_as
):
    conv_data = conversation(agent_text="好的,已经为您登记。" + PROMISE)
    import_as(ivan, conv_data, ticket=alice_ticket)
    conv = Conversation.objects.get()
    assert conv.ticket == alice_ticket
    commitment = Commitment.objects.get(conversation=conv)
    assert commitment.state == Commitment.State.CALLBACK
    callback = commitment.callback
    assert callback is not None and callback.ticket == alice_ticket
    assert callback.due_at == commitment.due_at
    assert "24小时" in callback.promise_text
    assert callback.created_by == alice  # the agent who promised
    # re-inspecting and re-importing never duplicate the callback
    services.conversation_inspect(conversation=conv, by=ivan)
    import_as(ivan, conv_data, ticket=alice_ticket)
    assert Callback.objects.filter(ticket=alice_ticket).count() == 1
    assert Commitment.objects.count() == 1


def test_a_promise_already_past_is_recorded_and_people_are_told(
    ivan: User, alice: User, lena: User, alice_ticket: Any, import_as
):
    old = conversation(
        "call-old",
        agent_text="好的。" + PROMISE,
        started_at="2026-11-10T09:15:00+08:00",
    )
    import_as(ivan, old, ticket=alice_ticket)
    commitment = Commitment.objects.get()
    assert commitment.state == Commitment.State.PAST_DUE
    assert commitment.due_at < timezone.now()
    # the promise is kept track of: an overdue callback the escalation job will see
    callback = commitment.callback
    assert callback is not None and callback.ticket == alice_ticket
    assert callback.due_at == commitment.due_at and callback.state == "open"
    told = set(
        Notification.objects.filter(message__contains="call-old").values_list(
            "user__username", flat=True
        )
    )
    assert {"alice", "lena"} <= told
    # told once, not on every re-inspection
    services.conversation_inspect(conversation=Conversation.objects.get(), by=ivan)
    assert Notification.objects.filter(message__contains="call-old", user=alice).count() == 1


def test_a_promise_without_a_work_order_is_kept_without_callback(
    ivan: User, alice: User, import_as
):
    import_as(ivan, conversation(agent_text="好的。" + PROMISE))
    commitment = Commitment.objects.get()
    assert commitment.state == Commitment.State.NO_TICKET
    assert commitment.due_at is not None
    assert not Callback.objects.exists()


# --- review -------------------------------------------------------------------------------------


def _imported(ivan: User, import_as, **kw: Any) -> Conversation:
    import_as(ivan, conversation(**kw))
    return Conversation.objects.get()


def test_overturning_a_finding_needs_a_reason_and_restores_the_score(
    ivan: User, alice: User, import_as
):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    before = conv.score
    with pytest.raises(ValidationError) as exc:
        services.finding_review(by=ivan, finding=finding, decision="overturn", reason="  ")
    assert "reason" in exc.value.message_dict
    services.finding_review(
        by=ivan,
        finding=finding,
        decision="overturn",
        reason="客户要求的业务确实不能办理,措辞可接受",
    )
    finding.refresh_from_db()
    conv.refresh_from_db()
    assert finding.status == Finding.Status.OVERTURNED
    assert finding.review_reason.startswith("客户要求")
    assert finding.reviewed_by == ivan
    assert before < conv.score == 100
    assert conv.verdict == "pass"
    assert conv.finding_count == 0
    inspection = conv.latest_inspection
    assert inspection.original_score == before  # the engine's result is kept
    event = QualityEvent.objects.get(action="finding_overturned")
    assert event.before["score"] == before and event.after["score"] == 100
    assert event.reason.startswith("客户要求")


def test_confirming_keeps_the_score(ivan: User, alice: User, import_as):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    services.finding_review(by=ivan, finding=finding, decision="confirm")
    conv.refresh_from_db()
    finding.refresh_from_db()
    assert finding.status == "confirmed"
    assert conv.score == conv.latest_inspection.original_score
    with pytest.raises(ValidationError):
        services.finding_review(by=ivan, finding=finding, decision="confirm")


@pytest.mark.parametrize("who", ["alice", "lena"])
def test_only_inspectors_and_managers_review(
    ivan: User, alice: User, lena: User, mark: User, import_as, who: str
):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    user = {"alice": alice, "lena": lena}[who]
    with pytest.raises(PermissionDenied):
        services.finding_review(by=user, finding=finding, decision="overturn", reason="x")
    services.finding_review(by=mark, finding=finding, decision="overturn", reason="经理复核")
    assert Finding.objects.get(pk=finding.pk).status == "overturned"


def test_reinspecting_keeps_the_inspectors_decisions(ivan: User, alice: User, import_as):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    services.finding_review(by=ivan, finding=finding, decision="overturn", reason="误判")
    services.conversation_inspect(conversation=conv, by=ivan)
    conv.refresh_from_db()
    new = _only_finding(conv)
    assert new.pk != finding.pk
    assert (new.status, new.review_reason) == ("overturned", "误判")
    assert conv.score == 100


def test_overturned_findings_leave_the_statistics(ivan: User, alice: User, import_as):
    from kefu.quality.selectors import rule_stats

    import_as(ivan, conversation("a"), conversation("b"))
    a = _only_finding(Conversation.objects.get(external_id="a"))
    services.finding_review(by=ivan, finding=a, decision="overturn", reason="误判")
    today = timezone.localdate()
    stats = rule_stats(ivan, date_from=today - timedelta(days=1), date_to=today)
    row = next(r for r in stats.rules if r.rule == a.rule)
    assert (row.total, row.hits, row.overturned, row.overturn_rate) == (2, 1, 1, 0.5)
    scr9 = next(s for s in stats.standards if s.standard == "SCRIPT-9")
    assert scr9.hits >= 1


# --- appeals ------------------------------------------------------------------------------------


def test_the_agent_appeals_once_with_a_reason_and_inspectors_are_told(
    ivan: User, alice: User, bob: User, import_as
):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    with pytest.raises(PermissionDenied):
        services.finding_appeal(by=bob, finding=finding, reason="不是我说的")
    with pytest.raises(PermissionDenied):
        services.finding_appeal(by=ivan, finding=finding, reason="x")
    with pytest.raises(ValidationError) as exc:
        services.finding_appeal(by=alice, finding=finding, reason="")
    assert "reason" in exc.value.message_dict
    appeal = services.finding_appeal(by=alice, finding=finding, reason="客户要求的业务确实无法办理")
    assert appeal.pending
    assert Notification.objects.filter(user=ivan, message__contains="申诉").exists()
    with pytest.raises(ValidationError):
        services.finding_appeal(by=alice, finding=finding, reason="再申诉一次")
    assert Appeal.objects.count() == 1


def test_an_appeal_decided_as_overturned_rescoring_and_telling_the_agent(
    ivan: User, alice: User, import_as
):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    appeal = services.finding_appeal(by=alice, finding=finding, reason="措辞并无不妥")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(by=alice, appeal=appeal, outcome="overturned", reason="我同意")
    with pytest.raises(ValidationError):
        services.appeal_decide(by=ivan, appeal=appeal, outcome="overturned", reason="")
    services.appeal_decide(by=ivan, appeal=appeal, outcome="overturned", reason="申诉成立")
    appeal.refresh_from_db()
    conv.refresh_from_db()
    assert appeal.outcome == "overturned" and appeal.decided_by == ivan
    assert Finding.objects.get(pk=finding.pk).status == "overturned"
    assert conv.score == 100
    assert Notification.objects.filter(user=alice, message__contains="申诉已处理").exists()
    with pytest.raises(ValidationError):
        services.appeal_decide(by=ivan, appeal=appeal, outcome="upheld", reason="改主意")


def test_an_upheld_appeal_confirms_the_finding(ivan: User, alice: User, import_as):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    appeal = services.finding_appeal(by=alice, finding=finding, reason="不服")
    services.appeal_decide(by=ivan, appeal=appeal, outcome="upheld", reason="属于服务忌语")
    conv.refresh_from_db()
    assert Finding.objects.get(pk=finding.pk).status == "confirmed"
    assert conv.score == conv.latest_inspection.original_score


def test_reviewing_a_finding_under_appeal_decides_the_appeal(ivan: User, alice: User, import_as):
    conv = _imported(ivan, import_as)
    finding = _only_finding(conv)
    appeal = services.finding_appeal(by=alice, finding=finding, reason="不服")
    services.finding_review(by=ivan, finding=finding, decision="overturn", reason="申诉有理")
    appeal.refresh_from_db()
    assert appeal.outcome == "overturned" and not appeal.pending


def test_quality_events_are_append_only(ivan: User, alice: User, import_as):
    conv = _imported(ivan, import_as)
    event = conv.events.first()
    event.reason = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_a_rulebook_file_from_settings_is_used(
    settings, tmp_path, ivan: User, alice: User, import_as
):
    from kefu.domain.inspection import DEFAULT_RULEBOOK

    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    site = tmp_path / "site.yaml"
    site.write_text(text.replace("name: default", "name: site-copy", 1), encoding="utf-8")
    settings.KEFU_RULEBOOK = str(site)
    services.rulebook_invalidate()
    try:
        conv = _imported(ivan, import_as)
        assert conv.latest_inspection.rulebook_name == "site-copy"
    finally:
        settings.KEFU_RULEBOOK = None
        services.rulebook_invalidate()


def test_overturning_rescores_by_the_rules_the_conversation_was_inspected_with(
    settings, tmp_path, ivan: User, alice: User, import_as
):
    from kefu.domain.inspection import DEFAULT_RULEBOOK

    conv = _imported(ivan, import_as, agent_text="不行就是不行,还有问题吗?")
    findings = {f.rule: f for f in Finding.objects.filter(inspection=conv.latest_inspection)}
    assert findings["closing.wrong_check"].deduction == 5
    assert conv.latest_inspection.scoring["rules"]["closing.wrong_check"] == [5, 5]
    # The site then makes the wrong closing question cost 10 points ...
    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    old = "deduction: 5\n    draft: true\n    flag: {phrases: [还有问题吗]}"
    assert old in text
    site = tmp_path / "site.yaml"
    site.write_text(text.replace(old, old.replace("5", "10", 1)), encoding="utf-8")
    settings.KEFU_RULEBOOK = str(site)
    services.rulebook_invalidate()
    try:
        assert services.rulebook_get().rule("closing.wrong_check").deduction == 10
        arrogance = next(f for rule, f in findings.items() if rule.startswith("forbidden."))
        services.finding_review(by=ivan, finding=arrogance, decision="overturn", reason="可接受")
        conv.refresh_from_db()
        # ... but this conversation was inspected when it cost 5.
        assert (conv.score, conv.verdict) == (95, "pass")
    finally:
        settings.KEFU_RULEBOOK = None
        services.rulebook_invalidate()


def test_inspections_from_before_scoring_was_kept_rescore_by_the_current_rulebook(
    ivan: User, alice: User, import_as
):
    conv = _imported(ivan, import_as, agent_text="不行就是不行,还有问题吗?")
    Inspection.objects.filter(pk=conv.latest_inspection.pk).update(scoring={})
    arrogance = next(
        f
        for f in Finding.objects.filter(inspection=conv.latest_inspection)
        if f.rule.startswith("forbidden.")
    )
    services.finding_review(by=ivan, finding=arrogance, decision="overturn", reason="可接受")
    conv.refresh_from_db()
    assert (conv.score, conv.verdict) == (95, "pass")


def test_inspection_batches_record_progress(ivan: User, alice: User, import_as):
    import_as(ivan, conversation("x1"), conversation("x2"), inspect_now=False)
    batch = InspectionBatch.objects.get()
    services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.done, batch.total, batch.status) == (2, 2, "done")
    assert batch.finished_at is not None

"""Quality records in the admin: for looking up, not for editing. Reviews, appeals and imports go
through the quality pages so that every change reaches the conversation's timeline."""

from django.contrib import admin

from .models import Appeal, Commitment, Conversation, Finding, InspectionBatch, QualityEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "channel", "occurred_at", "agent", "score", "verdict", "ticket")
    list_filter = ("channel", "verdict", "line")
    search_fields = ("external_id", "agent_label")
    raw_id_fields = ("agent", "ticket", "customer", "imported_by", "latest_inspection")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "rule", "severity", "deduction", "status", "is_latest")
    list_filter = ("status", "severity", "is_latest")
    search_fields = ("rule", "conversation__external_id", "evidence")
    raw_id_fields = ("inspection", "conversation", "reviewed_by")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("finding", "by", "created_at", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    raw_id_fields = ("finding", "by", "decided_by")


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "segment", "evidence", "due_at", "state", "callback")
    list_filter = ("state",)
    raw_id_fields = ("conversation", "callback")


@admin.register(InspectionBatch)
class InspectionBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "created_by", "status", "done", "failed", "total")
    list_filter = ("status",)


@admin.register(QualityEvent)
class QualityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "conversation", "action", "actor_label")
    list_filter = ("action",)
    raw_id_fields = ("conversation", "finding", "actor")

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

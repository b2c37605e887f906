from django.contrib import admin

from .models import Callback, ComplaintReport, SlaAlert, SlaPolicy, Ticket, TicketEvent


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "standards",
        "kind",
        "scope",
        "customer_class",
        "complaint_category",
        "calendar",
        "first_response_hours",
        "reply_hours",
        "resolution_hours",
        "warn_ratio",
        "active",
    )
    list_filter = ("kind", "scope", "calendar", "active")
    list_editable = ("reply_hours", "active")


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor_label", "action", "before", "after", "body")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # tickets change through the workbench services so that every change reaches the timeline
    list_display = (
        "number",
        "kind",
        "channel",
        "status",
        "assignee",
        "reply_due_at",
        "received_at",
    )
    list_filter = ("kind", "channel", "status", "scope")
    search_fields = ("number", "subject")
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ("ticket", "reason", "due_at", "state", "outcome", "owner")
    list_filter = ("state", "reason")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ComplaintReport)
class ComplaintReportAdmin(admin.ModelAdmin):
    list_display = ("ticket", "responsibility", "responsible_staff", "major", "verified_at")
    list_filter = ("responsibility", "major")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SlaAlert)
class SlaAlertAdmin(admin.ModelAdmin):
    list_display = ("ticket", "clock", "level", "due_at", "raised_at", "worker")
    list_filter = ("clock", "level")

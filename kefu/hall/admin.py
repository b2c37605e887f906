from django.contrib import admin

from .models import (
    BusinessType,
    ChecklistItem,
    ChecklistSignOff,
    Counter,
    CounterBusiness,
    Hall,
    QueueEvent,
    QueueNumber,
    ShiftHandover,
)


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "vip_cap", "recall_limit", "long_wait_minutes"]


@admin.register(BusinessType)
class BusinessTypeAdmin(admin.ModelAdmin):
    list_display = [
        "code", "brand", "name", "prefix", "self_service_ok", "is_open", "mean_service_seconds",
        "sort_order",
    ]  # fmt: skip
    list_editable = ["is_open", "self_service_ok", "sort_order"]
    list_filter = ["brand", "is_open", "self_service_ok"]


class CounterBusinessInline(admin.TabularInline):
    model = CounterBusiness
    extra = 1


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hall", "state", "staff"]
    list_filter = ["hall", "state"]
    inlines = [CounterBusinessInline]


@admin.register(QueueNumber)
class QueueNumberAdmin(admin.ModelAdmin):
    list_display = ["code", "hall", "day", "business", "status", "vip", "counter", "arrived_at"]
    list_filter = ["hall", "status", "day"]
    search_fields = ["code"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]  # noqa: ANN001, ARG002
        return False  # state changes go through the services (and their events)


@admin.register(QueueEvent)
class QueueEventAdmin(admin.ModelAdmin):
    list_display = ["at", "number", "counter", "action", "actor"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]  # noqa: ANN001, ARG002
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]  # noqa: ANN001, ARG002
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["text", "category", "sort_order", "active"]
    list_editable = ["sort_order", "active"]


@admin.register(ChecklistSignOff)
class ChecklistSignOffAdmin(admin.ModelAdmin):
    list_display = ["hall", "day", "signed_by", "signed_at"]


@admin.register(ShiftHandover)
class ShiftHandoverAdmin(admin.ModelAdmin):
    list_display = [
        "hall",
        "counter",
        "post",
        "outgoing",
        "incoming",
        "created_at",
        "acknowledged_at",
    ]

from django.contrib import admin

from .models import (
    ActionItem,
    ClockRecord,
    CoverageRequirement,
    DemandInterval,
    LadderStep,
    Leave,
    Meeting,
    Post,
    Roster,
    RosterEvent,
    RosterUnit,
    Shift,
    ShiftPattern,
    StaffProfile,
)


class PostInline(admin.TabularInline):
    model = Post
    fields = ["code", "name", "kind", "active"]
    extra = 0
    show_change_link = True


@admin.register(RosterUnit)
class RosterUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "max_consecutive_days", "min_rest_hours", "exact_coverage"]
    inlines = [PostInline]


class PatternInline(admin.TabularInline):
    model = ShiftPattern
    extra = 0


class RequirementInline(admin.TabularInline):
    model = CoverageRequirement
    extra = 0


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "unit", "kind", "active"]
    list_filter = ["unit", "kind"]
    inlines = [PatternInline, RequirementInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "contract_hours", "relief", "active"]
    list_filter = ["posts", "active", "relief"]
    search_fields = ["user__username", "user__display_name", "user__employee_no"]
    filter_horizontal = ["posts"]
    raw_id_fields = ["user"]


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["staff", "kind", "first_day", "last_day", "state"]
    list_filter = ["state", "kind"]
    raw_id_fields = ["staff", "created_by", "decided_by"]


@admin.register(DemandInterval)
class DemandIntervalAdmin(admin.ModelAdmin):
    list_display = ["post", "day", "start", "calls", "aht_seconds", "source"]
    list_filter = ["post", "source"]
    date_hierarchy = "day"


@admin.register(Roster)
class RosterAdmin(admin.ModelAdmin):
    list_display = ["unit", "month", "status", "version", "published_at", "solver_status"]
    list_filter = ["unit", "status"]
    readonly_fields = ["version", "generated_at", "published_at", "published_by"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["day", "staff", "post", "start", "end", "hours", "locked"]
    list_filter = ["roster", "post"]
    date_hierarchy = "day"
    raw_id_fields = ["staff", "roster"]


@admin.register(RosterEvent)
class RosterEventAdmin(admin.ModelAdmin):
    list_display = ["at", "roster", "action", "actor", "note"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ClockRecord)
class ClockRecordAdmin(admin.ModelAdmin):
    list_display = ["staff", "clock_in", "clock_out", "source"]
    date_hierarchy = "clock_in"
    raw_id_fields = ["staff", "shift", "recorded_by"]


@admin.register(LadderStep)
class LadderStepAdmin(admin.ModelAdmin):
    list_display = ["count", "action", "label"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["held_at", "kind", "title", "chair"]
    list_filter = ["kind"]
    filter_horizontal = ["attendees"]
    inlines = [ActionItemInline]

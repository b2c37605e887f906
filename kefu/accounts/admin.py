from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "display_name",
        "employee_no",
        "role",
        "team",
        "on_duty",
        "is_active",
        "locked_until",
    )
    list_filter = ("role", "team", "on_duty", "is_active")
    search_fields = ("username", "display_name", "employee_no")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("客服"),
            {"fields": ("display_name", "employee_no", "role", "team", "on_duty", "locked_until")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("客服"), {"fields": ("display_name", "employee_no", "role", "team")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "lead", "assignment")
    list_filter = ("kind", "assignment")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "active", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")

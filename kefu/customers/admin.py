from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "customer_class", "member_no", "organisation", "created_at")
    list_filter = ("customer_class",)
    search_fields = ("name", "phone", "phone2", "member_no")

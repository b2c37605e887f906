"""Staffing pages; each area keeps its own routes next to its views."""

from django.urls import path

from .views import attendance, demand, directory, ladder, meetings, roster

app_name = "staffing"

urlpatterns = [
    path("", roster.index, name="index"),
    *directory.urlpatterns,
    *demand.urlpatterns,
    *roster.urlpatterns,
    *attendance.urlpatterns,
    *ladder.urlpatterns,
    *meetings.urlpatterns,
]

from django.urls import path

from . import views

app_name = "hall"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:hall_id>/", views.hall_view, name="hall"),
    path("<int:hall_id>/kiosk/", views.kiosk, name="kiosk"),
    path("<int:hall_id>/board/", views.board, name="board"),
    path("<int:hall_id>/walker/", views.walker, name="walker"),
    path("<int:hall_id>/stats/", views.stats, name="stats"),
    path("<int:hall_id>/checklist/", views.checklist, name="checklist"),
    path("<int:hall_id>/handover/", views.handover, name="handover"),
    path("handover/<int:pk>/ack/", views.handover_ack, name="handover_ack"),
    path("slip/<int:pk>/", views.slip, name="slip"),
    path("counter/<int:pk>/", views.counter_page, name="counter"),
    path("counter/<int:pk>/action/", views.counter_action, name="counter_action"),
]

from django.urls import path

from . import views

app_name = "tickets"

ACTIONS = (
    "reply",
    "note",
    "status",
    "transfer",
    "escalate",
    "resolve",
    "assign",
    "take",
    "callback",
    "complaint",
    "verify",
    "attach",
)

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("workbench/", views.workbench, name="workbench"),
    path("new/", views.intake, name="intake"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/fulfil/", views.callback_fulfil, name="callback_fulfil"),
    path("team/", views.team, name="team"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<str:number>/", views.detail, name="detail"),
    *[
        path(
            f"<str:number>/{action}/",
            views.ticket_action,
            {"action": action},
            name=f"ticket_{action}",
        )
        for action in ACTIONS
    ],
]

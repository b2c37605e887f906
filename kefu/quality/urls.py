from django.urls import include, path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("import/", views.conversation_import, name="import"),
    path("c/<int:pk>/", views.conversation_detail, name="detail"),
    path("c/<int:pk>/inspect/", views.conversation_reinspect, name="reinspect"),
    path("findings/<int:pk>/review/", views.finding_review, name="finding_review"),
    path("findings/<int:pk>/appeal/", views.finding_appeal, name="finding_appeal"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("queue/", views.review_queue, name="queue"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("rules/", views.rule_stats, name="rules"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("assist/", include("kefu.quality.assist.urls")),
]

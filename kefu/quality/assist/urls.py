from django.urls import path

from kefu.quality.assist import views

app_name = "assist"

urlpatterns = [
    path("phrases/", views.phrase_library, name="phrases"),
    path("check/", views.draft_check_page, name="check"),
    path("opening/", views.opening_partial, name="opening"),
]

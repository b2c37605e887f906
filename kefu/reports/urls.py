from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("kpi/", views.kpi, name="kpi"),
    path("kpi.csv", views.kpi_csv, name="kpi_csv"),
    path("assets/plotly-<str:digest>.min.js", views.plotly_js, name="plotly_js"),
]

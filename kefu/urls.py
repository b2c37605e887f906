from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kefu.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:workbench", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("kefu.accounts.urls")),
    path("customers/", include("kefu.customers.urls")),
    path("tickets/", include("kefu.tickets.urls")),
    path("reports/", include("kefu.reports.urls")),
    path("quality/", include("kefu.quality.urls")),
    path("hall/", include("kefu.hall.urls")),
    path("staffing/", include("kefu.staffing.urls")),
    path("", include("kefu.core.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

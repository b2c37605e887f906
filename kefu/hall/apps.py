from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "kefu.hall"
    label = "hall"
    verbose_name = _("营业厅")

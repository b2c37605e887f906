from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """Agent assist: phrase library, the opening for this moment, draft checking (no models)."""

    name = "kefu.quality.assist"
    label = "quality_assist"
    verbose_name = _("坐席辅助")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditfileConfig(AppConfig):
    name = "credo.creditfile"
    label = "creditfile"
    verbose_name = _("Credit file")

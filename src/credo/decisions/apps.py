from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender, **kwargs):
    from .services import decisions_defaults_ensure

    decisions_defaults_ensure()


class DecisionsConfig(AppConfig):
    name = "credo.decisions"
    label = "decisions"
    verbose_name = _("Credit decisions")

    def ready(self) -> None:
        post_migrate.connect(_ensure_defaults, sender=self)

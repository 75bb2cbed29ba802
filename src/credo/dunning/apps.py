from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender, **kwargs):
    from .services import dunning_levels_ensure

    dunning_levels_ensure()


class CollectionsConfig(AppConfig):
    name = "credo.dunning"  # module name avoids shadowing the stdlib "collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        # Re-seed the default dunning levels after migrate and after a test-database flush.
        post_migrate.connect(_ensure_defaults, sender=self)

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    # Permissions are created app by app in post_migrate; roles need all of them, so wait for
    # the last installed app's signal (apps without models get no signal).
    last_app = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label != last_app.label:
        return
    from .services import roles_sync

    roles_sync()


class CoreConfig(AppConfig):
    name = "credo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate)

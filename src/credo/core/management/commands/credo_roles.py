from django.core.management.base import BaseCommand

from credo.core.services import roles_sync


class Command(BaseCommand):
    help = "Create or refresh one group per role with exactly the role's permissions."

    def handle(self, *args, **options):
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")

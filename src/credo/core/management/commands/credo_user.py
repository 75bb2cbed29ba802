from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from credo.core.permissions import ROLES


class Command(BaseCommand):
    help = "Create a user with a role, or set the role (and optionally password) of an existing one."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--password", help="set this password (otherwise unusable)")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args, username, role, password, email, **options):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.is_staff = role == "administrator"
        user.save()
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise CommandError("roles are missing: run 'credo roles' first")
        user.groups.set([group])
        self.stdout.write(f"{'created' if created else 'updated'} {username} as {role}")

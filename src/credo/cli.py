"""The ``credo`` command: a thin front for credo's management commands.

``credo --help`` lists credo's own sub-commands; ``credo manage ...`` reaches every Django
command (migrate, createsuperuser, ...).
"""

from __future__ import annotations

import os
import sys

from django.utils.translation import gettext_lazy as _

# sub-command -> (management command, help line)
COMMANDS: dict[str, tuple[str, object]] = {
    "serve": ("runserver", _("Start the web app (default http://127.0.0.1:8000).")),
    "migrate": ("migrate", _("Create or upgrade the database schema.")),
    "demo": ("credo_demo", _("Load a deterministic demo portfolio (--customers N --seed S).")),
    "import": ("credo_import", _("Import customers or credit-file records from CSV/XLSX.")),
    "roles": ("credo_roles", _("Create or refresh the role groups and their permissions.")),
    "user": ("credo_user", _("Create a user with a role, or change a user's role.")),
    "token": ("credo_token", _("Create an API token for a user.")),
    "receivables": ("credo_receivables", _("Receivables: ageing, collection metrics, reconcile exposure.")),
    "decisions": ("credo_decisions", _("Credit decisions: recheck orders whose release expired.")),
    "rating": ("credo_rating", _("Credit rating: batch run, train, register and compare scorecards.")),
    "check-catalogue": ("credo_check_catalogue", _("Fail if the zh-hans catalogue is incomplete.")),
    "manage": ("", _("Run any Django management command.")),
}


def _print_help() -> None:
    print("usage: credo <command> [options]\n")
    print("commands:")
    for name, (_cmd, help_text) in COMMANDS.items():
        print(f"  {name:<16} {help_text}")
    print("\nRun 'credo <command> --help' for the options of one command.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
    import django

    django.setup()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        _print_help()
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"credo: unknown command {name!r}\n", file=sys.stderr)
        _print_help()
        return 2
    from django.core.management import execute_from_command_line

    command = COMMANDS[name][0]
    execute_from_command_line(["credo", *rest] if name == "manage" else ["credo", command, *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

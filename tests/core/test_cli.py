"""The `credo` command: help lists the sub-commands; `credo roles` and `credo user` work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from credo.cli import COMMANDS, main

SRC = Path(__file__).resolve().parents[2] / "src"


def test_help_lists_every_sub_command(capsys):
    assert main(["--help"]) == 0
    output = capsys.readouterr().out
    for name in ("serve", "migrate", "demo", "import", "roles", "user", "token",
                 "check-catalogue", "manage"):
        assert name in COMMANDS
        assert f"  {name} " in output


def test_help_works_as_a_real_process():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "credo.settings.test",
           "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-m", "credo.cli", "--help"], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "check-catalogue" in result.stdout and "demo" in result.stdout


def test_unknown_command_exits_with_2(capsys):
    assert main(["no-such-thing"]) == 2
    assert "unknown command 'no-such-thing'" in capsys.readouterr().err


# main() runs the command like a real process, which closes the database connections at the
# end: only a transactional test survives that on PostgreSQL.
DB = pytest.mark.django_db(transaction=True)


@DB
def test_roles_recreates_the_role_groups(capsys):
    Group.objects.filter(name="auditor").delete()
    assert main(["roles"]) == 0
    auditor = Group.objects.get(name="auditor")
    assert auditor.permissions.filter(codename="view_accesslog").exists()
    assert not auditor.permissions.filter(codename="change_customer").exists()
    assert "auditor:" in capsys.readouterr().out


@DB
def test_user_creates_then_changes_role(capsys):
    assert main(["user", "alice", "--role", "viewer", "--password", "a-long-passphrase-1"]) == 0
    alice = get_user_model().objects.get(username="alice")
    assert list(alice.groups.values_list("name", flat=True)) == ["viewer"]
    assert alice.check_password("a-long-passphrase-1")
    assert not alice.is_staff

    assert main(["user", "alice", "--role", "administrator"]) == 0
    alice.refresh_from_db()
    assert list(alice.groups.values_list("name", flat=True)) == ["administrator"]
    assert alice.is_staff
    assert alice.check_password("a-long-passphrase-1")  # password kept when not given
    out = capsys.readouterr().out
    assert "created alice as viewer" in out and "updated alice as administrator" in out


@DB
def test_user_without_password_gets_an_unusable_one():
    assert main(["user", "bob", "--role", "auditor"]) == 0
    assert not get_user_model().objects.get(username="bob").has_usable_password()


@DB
def test_user_with_unknown_role_is_refused_and_nothing_is_written():
    with pytest.raises(SystemExit) as exc:
        main(["user", "carol", "--role", "superhero"])
    assert exc.value.code == 2
    assert not get_user_model().objects.filter(username="carol").exists()

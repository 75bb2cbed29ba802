"""Check-character validation for Chinese identifiers (pure functions, reused by forms, API, import)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters (no I, O, S, V, Z), weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}

# GB 11643-1999: weights 2^(17-i) mod 11; remainder -> check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def uscc_check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError with a precise message when ``value`` is not a valid USCC."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    for position, ch in enumerate(code, start=1):
        if ch not in _USCC_VALUE:
            raise ValidationError(
                _("Character %(ch)s at position %(pos)d is not allowed in a unified social "
                  "credit code (I, O, S, V, Z and lower-case letters are never used)."),
                code="uscc_character",
                params={"ch": ch, "pos": position},
            )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of this unified social credit code is %(got)s but should "
              "be %(expected)s: please check the code for a typing error."),
            code="uscc_check",
            params={"got": code[17], "expected": expected},
        )


def id_number_check_character(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless ``value`` is a valid 18-digit resident ID number."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."),
            code="id_format",
        )
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this resident ID number (%(date)s) does not exist."),
            code="id_birth_date",
            params={"date": number[6:14]},
        ) from None
    expected = id_number_check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check digit of this resident ID number is %(got)s but should be "
              "%(expected)s."),
            code="id_check",
            params={"got": number[17], "expected": expected},
        )


def mask_id_number(value: str) -> str:
    """Show region and check digit only: 110105********123X style."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_account_number(value: str) -> str:
    """Keep the last four characters of a bank account number."""
    if not value:
        return ""
    visible = value[-4:] if len(value) > 4 else ""
    return "*" * (len(value) - len(visible)) + visible


def mask_text(value: str) -> str:
    """Mask personal text (names of natural-person shareholders): keep the first character."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 2)

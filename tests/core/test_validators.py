import pytest
from django.core.exceptions import ValidationError

from credo.core.validators import (
    mask_account_number,
    mask_id_number,
    validate_id_number,
    validate_uscc,
)


def test_uscc_example_from_the_standard_is_valid():
    validate_uscc("91350100M000100Y43")
    validate_uscc(" 91350100m000100y43 ")  # normalised: case and spaces


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y44", "uscc_check"),
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100I43", "uscc_character"),
        ("", "uscc_length"),
    ],
)
def test_uscc_rejections_say_what_is_wrong(code, error_code):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == error_code


def test_uscc_check_message_names_expected_character():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91350100M000100Y44")
    message = exc.value.messages[0]
    assert "4" in message and "3" in message


def test_id_number_valid_and_invalid():
    validate_id_number("11010519491231002X")
    validate_id_number("11010519491231002x")
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105194912310021")
    assert exc.value.code == "id_check"
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105194913310021")
    assert exc.value.code == "id_birth_date"
    with pytest.raises(ValidationError) as exc:
        validate_id_number("1101051949")
    assert exc.value.code == "id_format"


def test_masks_hide_the_middle():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_account_number("6222020200112233445") == "***************3445"
    assert mask_account_number("") == ""

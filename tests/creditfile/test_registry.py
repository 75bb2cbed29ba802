"""The registry is a contract for API, importer and UI: keys, fields and permissions."""

import pytest

from credo.core.permissions import CREDITFILE_MODELS
from credo.creditfile.models import Attachment
from credo.creditfile.registry import (
    RECORD_TYPES,
    Dimension,
    get_record_type,
    record_type_for,
    record_types_of,
)

EXPECTED_KEYS = [
    "shareholders", "key-management", "affiliations", "business-profiles", "market-shares",
    "financial-statements", "trade-references", "bank-relations", "public-records",
]


def test_record_type_keys_are_the_agreed_slugs():
    assert list(RECORD_TYPES) == EXPECTED_KEYS


def test_unknown_key_raises_key_error():
    with pytest.raises(KeyError):
        get_record_type("shareholder")


@pytest.mark.parametrize("key", EXPECTED_KEYS)
def test_fields_keys_and_sensitive_fields_are_real_editable_fields(key):
    rt = get_record_type(key)
    model_fields = {f.name for f in rt.model._meta.get_fields()}
    assert set(rt.fields) <= model_fields
    assert not {"customer", "recorded_by", "created_at", "updated_at", "id"} & set(rt.fields)
    assert set(rt.business_key) <= set(rt.fields)
    assert set(rt.sensitive_fields) <= set(rt.fields)
    assert rt.date_field in model_fields
    assert {"as_of", "source"} <= set(rt.fields)
    assert record_type_for(rt.model) is rt


def test_sensitive_fields_and_date_fields():
    assert get_record_type("shareholders").sensitive_fields == ("id_number",)
    assert get_record_type("bank-relations").sensitive_fields == ("account_number",)
    assert get_record_type("financial-statements").date_field == "period_end"
    assert get_record_type("market-shares").business_key == ("profile", "region")


def test_labels_are_model_verbose_names():
    rt = get_record_type("trade-references")
    assert str(rt.label) == "trade reference"
    assert str(rt.label_plural) == "trade references"


def test_every_dimension_has_record_types_and_a_label():
    assert [d.value for d in Dimension] == [1, 2, 3, 4, 5, 6]
    assert str(Dimension.PUBLIC.label) == "Public record and reputation"
    for dimension in Dimension:
        assert record_types_of(dimension)
    assert [rt.key for rt in record_types_of(Dimension.BASIC)] == [
        "shareholders", "key-management", "affiliations",
    ]


def test_model_names_match_the_permission_vocabulary():
    names = {rt.model._meta.model_name for rt in RECORD_TYPES.values()}
    names.add(Attachment._meta.model_name)
    assert names == set(CREDITFILE_MODELS)


@pytest.mark.django_db
def test_roles_get_the_creditfile_permissions(credit_manager, account_manager, viewer):
    for model_name in CREDITFILE_MODELS:
        assert credit_manager.has_perm(f"creditfile.delete_{model_name}")
        assert account_manager.has_perm(f"creditfile.add_{model_name}")
        assert not account_manager.has_perm(f"creditfile.delete_{model_name}")
        assert viewer.has_perm(f"creditfile.view_{model_name}")
        assert not viewer.has_perm(f"creditfile.change_{model_name}")

"""Rating a customer end to end; scorecard versions; one current rating per customer."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from credo.core.models import BusinessEvent, ObjectChange
from credo.rating import selectors, services
from credo.rating.engine.grades import default_scale
from credo.rating.engine.scorecard import load_template
from credo.rating.models import Rating, ScorecardVersion

from .conftest import AS_OF, one_factor_card

pytestmark = pytest.mark.django_db


def _state():
    return (Rating.objects.count(), ScorecardVersion.objects.count(), ObjectChange.objects.count(),
            BusinessEvent.objects.count())


def test_seeded_scorecards_are_the_bundled_templates():
    active = {v.key: v for v in selectors.active_scorecards()}
    assert set(active) == {"default-expert", "services-expert", "small-firm-expert"}
    default = active["default-expert"]
    assert default.version == 1 and default.kind == "expert" and default.segment is None
    assert selectors.engine_scorecard(default) == load_template("default-expert")
    assert selectors.grade_scale_for(default) == default_scale()


def test_segment_selection(make_customer, acting):
    from credo.customers.models import Industry

    manufacturer = make_customer(industry=Industry.objects.get(code="13"), size_class="large")
    shop = make_customer(industry=Industry.objects.get(code="51"), size_class="large")  # F
    small_shop = make_customer(industry=Industry.objects.get(code="51"), size_class="small")
    unknown = make_customer()
    assert selectors.active_scorecard_for(manufacturer).key == "default-expert"
    assert selectors.active_scorecard_for(shop).key == "services-expert"
    # Small firms: 1 constrained field with 2 values beats 19 sections.
    assert selectors.active_scorecard_for(small_shop).key == "small-firm-expert"
    assert selectors.active_scorecard_for(unknown).key == "default-expert"
    assert selectors.active_scorecard_for(unknown, size_class="micro").key == "small-firm-expert"


def test_rating_equals_the_engine_score_on_the_same_features(credit_file, ledger, analyst):
    rating = services.customer_rate(
        customer=credit_file, trigger="manual", as_of=AS_OF, user=analyst
    )
    features = selectors.customer_features(customer=credit_file, as_of=AS_OF)
    card = load_template("default-expert")  # medium manufacturer: the default card
    result = card.score(features.values())
    expected = Decimal(repr(result.score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert rating.score == expected
    assert rating.scorecard.key == "default-expert"
    grade = default_scale().grade_for_score(float(expected))
    assert rating.grade == grade.code
    assert rating.pd == Decimal(repr(grade.pd)).quantize(Decimal("0.000001"))
    assert rating.is_current and rating.previous_grade == ""
    assert rating.trigger == "manual" and rating.rated_by == analyst and rating.as_of == AS_OF
    # Reasons: the top 5 factors by points lost, largest first.
    expected_reasons = [c.key for c in result.top_reasons(5)]
    assert [r["key"] for r in rating.reasons] == expected_reasons
    assert len(rating.reasons) == 5
    losses = [r["points_lost"] for r in rating.reasons]
    assert losses == sorted(losses, reverse=True)
    assert len(rating.contributions) == len(card.factors)
    assert sum(c["points"] for c in rating.contributions) == pytest.approx(result.score)
    # The feature snapshot carries value, status, date and source.
    current_ratio = rating.features["current_ratio"]
    assert current_ratio["value"] == pytest.approx(1.625)
    assert current_ratio["status"] == "ok" and current_ratio["as_of"] == "2024-12-31"
    assert "statement" in current_ratio["source"]
    # The zero-denominator / missing reasons reach the contributions.
    missing = [c for c in rating.contributions if c["missing_applied"]]
    assert all(c["missing_reason"] for c in missing)
    event = BusinessEvent.objects.get(name="rating.customer.rated")
    assert event.payload["grade"] == rating.grade and event.payload["trigger"] == "manual"
    assert event.payload["previous_grade"] is None
    assert event.payload["score"] == str(rating.score)
    assert ObjectChange.objects.filter(object_type="rating.rating", action="create").count() == 1


def test_one_current_rating_per_customer(customer, simple_card, acting):
    first = services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)
    second = services.customer_rate(customer=customer, trigger="review")
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert second.previous_grade == first.grade == "AAA"
    assert selectors.current_rating(customer) == second
    assert Rating.objects.filter(customer=customer, is_current=True).count() == 1
    # The database refuses a second current rating written around the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(pk=first.pk).update(is_current=True)


def test_bad_trigger_and_future_date_write_nothing(customer, simple_card, acting):
    before = _state()
    with pytest.raises(ValidationError) as error:
        services.customer_rate(customer=customer, trigger="override")
    assert "trigger" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.customer_rate(customer=customer, trigger="whenever")
    assert "trigger" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.customer_rate(
            customer=customer, trigger="manual", as_of=timezone.localdate() + dt.timedelta(days=2)
        )
    assert "as_of" in error.value.message_dict
    assert _state() == before


def test_no_active_scorecard_is_a_clear_error(customer, acting):
    ScorecardVersion.objects.update(status="retired")
    with pytest.raises(ValidationError) as error:
        services.customer_rate(customer=customer, trigger="manual")
    assert "scorecard" in error.value.message_dict
    assert not Rating.objects.exists()


def test_rating_needs_the_permission_and_the_customer(
    customer, simple_card, account_manager, other_account_manager, analyst
):
    with pytest.raises(PermissionDenied):
        services.customer_rate(customer=customer, trigger="manual", user=account_manager)
    analyst_rating = services.customer_rate(customer=customer, trigger="manual", user=analyst)
    assert analyst_rating.grade == "AAA"


# --------------------------------------------------------------------------- scorecard versions


def test_scorecard_version_create_and_activate(credit_manager, analyst, acting):
    version = services.scorecard_version_create(
        definition=one_factor_card(version=2), user=analyst, notes="simpler"
    )
    assert version.status == "draft" and version.created_by == analyst
    assert version.grade_scale == default_scale().to_dict()  # stored with the version
    with pytest.raises(PermissionDenied):  # analysts draft, credit managers activate
        services.scorecard_version_activate(version=version, user=analyst)
    services.scorecard_version_activate(version=version, user=credit_manager)
    versions = {v.version: v for v in ScorecardVersion.objects.filter(key="default-expert")}
    assert versions[2].status == "active" and versions[2].approved_by == credit_manager
    assert versions[1].status == "retired"
    event = BusinessEvent.objects.get(name="rating.scorecard.activated")
    assert event.payload["retired_version"] == 1
    with pytest.raises(ValidationError):
        services.scorecard_version_activate(version=versions[2], user=credit_manager)
    # Rolling back: version 1 again.
    services.scorecard_version_activate(version=versions[1], user=credit_manager)
    assert ScorecardVersion.objects.get(key="default-expert", status="active").version == 1


def test_scorecard_version_must_be_valid_and_higher(analyst, acting):
    before = _state()
    with pytest.raises(ValidationError) as error:  # version 1 exists (seeded)
        services.scorecard_version_create(definition=one_factor_card(version=1), user=analyst)
    assert "not higher" in error.value.message_dict["definition"][0]
    broken = one_factor_card(version=3)
    broken["factors"][0]["bins"][1]["lower"] = 0.7  # gap between 0.5 and 0.7
    with pytest.raises(ValidationError) as error:
        services.scorecard_version_create(definition=broken, user=analyst)
    assert "gap" in error.value.message_dict["definition"][0]
    with pytest.raises(ValidationError) as error:
        services.scorecard_version_create(
            definition=one_factor_card(version=3), user=analyst, grade_scale={"scale": "nine"}
        )
    assert "grade_scale" in error.value.message_dict
    assert _state() == before


def test_scorecard_version_create_needs_the_permission(account_manager):
    with pytest.raises(PermissionDenied):
        services.scorecard_version_create(definition=one_factor_card(), user=account_manager)

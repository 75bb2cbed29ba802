"""`credo rating run | train | register | compare` from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from credo.demo.generator import DEFAULT_AS_OF, PortfolioGenerator
from credo.demo.ledger import LedgerGenerator
from credo.demo.writer import load_portfolio
from credo.rating.engine.scorecard import Scorecard
from credo.rating.models import Rating, ScorecardVersion

pytestmark = pytest.mark.django_db

GERMAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "german_credit.csv"


def _call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("credo_rating", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_portfolio(
        PortfolioGenerator(seed=5, count=20, as_of=DEFAULT_AS_OF), bulk=True, batch_size=20,
        ledger=LedgerGenerator(seed=5, as_of=DEFAULT_AS_OF, items_per_customer=4),
    )


def test_run_all_then_resume_a_finished_run_is_refused(demo, tmp_path):
    out, _err = _call("run", "--all", "--as-of", DEFAULT_AS_OF.isoformat(), "--batch-size", "8")
    assert "Rated 20 of 20 customers" in out
    assert Rating.objects.filter(is_current=True, trigger="batch").count() == 20
    run_id = out.split("Rating run ")[1].split()[0]
    record = json.loads((tmp_path / "rating-runs" / f"{run_id}.json").read_text())
    assert record["status"] == "finished" and record["chunks"] == 3
    assert set(record["seconds"]) == {"extract", "features", "scoring", "write"}
    with pytest.raises(CommandError, match="already finished"):
        _call("run", "--resume", run_id)


def test_run_bad_arguments(demo):
    with pytest.raises(CommandError, match="is not a date"):
        _call("run", "--as-of", "30.11.2026")
    with pytest.raises(CommandError, match="Unknown customer codes: XX1, XX2"):
        _call("run", "--customers", "XX1,XX2", "--as-of", DEFAULT_AS_OF.isoformat())
    with pytest.raises(CommandError, match="at least one customer code"):
        _call("run", "--customers", " , ")
    with pytest.raises(CommandError, match="No rating run"):
        _call("run", "--resume", "nope")
    with pytest.raises(CommandError, match="batch size"):
        _call("run", "--batch-size", "0", "--as-of", DEFAULT_AS_OF.isoformat())
    with pytest.raises(CommandError, match="No active scorecard has the key"):
        _call("run", "--segment", "nope", "--as-of", DEFAULT_AS_OF.isoformat())
    with pytest.raises(CommandError):  # argparse: scope options exclude each other
        _call("run", "--all", "--segment", "default-expert")
    assert not Rating.objects.exists()


def test_train_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="--target is required"):
        _call("train", "--data", "x.csv", "--out", str(tmp_path / "m.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        _call("train", "--data", str(tmp_path / "absent.csv"), "--target", "t", "--out",
              str(tmp_path / "m.json"))
    with pytest.raises(CommandError, match="--version must be at least 1"):
        _call("train", "--data", "x.csv", "--target", "t", "--out", "m.json", "--version", "0")
    with pytest.raises(CommandError, match="points to double the odds must be above 0"):
        _call("train", "--data", "x.csv", "--target", "t", "--out", "m.json", "--pdo", "0")


@pytest.mark.skipif(not GERMAN.exists(), reason="../shared/data/german_credit.csv is absent")
def test_train_register_activate_and_compare_on_german_credit(tmp_path):
    model, report = tmp_path / "german.json", tmp_path / "report.html"
    out, _err = _call("train", "--data", str(GERMAN), "--target", "creditability", "--bad",
                      "bad", "--out", str(model), "--key", "german", "--report", str(report))
    assert "hold-out AUC" in out
    card = Scorecard.from_json(model.read_text(encoding="utf-8"))
    assert card.key == "german" and card.kind == "statistical"
    assert card.meta["validation"]["auc"] > 0.7
    assert "AUC" in report.read_text(encoding="utf-8")

    out, _err = _call("register", str(model), "--activate")
    assert "Registered german version 1 (active)" in out
    stored = ScorecardVersion.objects.get(key="german")
    assert stored.validation_report["auc"] == card.meta["validation"]["auc"]
    with pytest.raises(CommandError, match="not higher than the latest version"):
        _call("register", str(model))

    challenger = tmp_path / "challenger.json"
    data = json.loads(model.read_text(encoding="utf-8"))
    data["factors"] = data["factors"][:3]
    data["version"] = 2
    challenger.write_text(json.dumps(data), encoding="utf-8")
    out, _err = _call("compare", str(model), str(challenger), "--data", str(GERMAN),
                      "--target", "creditability", "--bad", "bad")
    assert "auc" in out and "Better: champion" in out


@pytest.mark.skipif(not GERMAN.exists(), reason=f"public data set absent: {GERMAN}")
def test_train_with_optbinning_cut_points(tmp_path):
    pytest.importorskip("optbinning", reason="the modeling extra is not installed")
    model = tmp_path / "german-ob.json"
    out, _err = _call("train", "--data", str(GERMAN), "--target", "creditability", "--bad",
                      "bad", "--out", str(model), "--key", "german-ob", "--binning", "optbinning")
    card = Scorecard.from_json(model.read_text(encoding="utf-8"))
    assert card.meta["training"]["parameters"]["prebinning"] == "optbinning"
    assert card.meta["validation"]["auc"] > 0.7 and "hold-out AUC" in out


def test_daily_command_detects_overdue_crossings_once(make_customer, credit_manager):
    import datetime as dt
    from decimal import Decimal

    from credo.core.context import acting_as
    from credo.rating.models import CreditEvent
    from credo.receivables.services import invoice_post

    customer = make_customer()
    with acting_as(credit_manager, channel="system"):  # due on its date (no terms), never paid
        invoice_post(customer=customer, number="INV-D1", invoice_date=dt.date(2026, 8, 31),
                     currency="CNY", amount=Decimal("1000.00"))

    def overdue_events():
        return list(CreditEvent.objects.filter(customer=customer).values_list("kind", flat=True))

    out, _err = _call("daily", "--as-of", "2026-09-15")  # first run: only that day's crossings
    assert "Overdue check for 2026-09-15: 0 credit events" in out
    # Since then the item passed 30 (Oct 1), 60 (Oct 31) and 90 days (Nov 30): one event, 90.
    out, _err = _call("daily", "--as-of", "2026-11-30")
    assert ": 1 credit events" in out and overdue_events() == ["overdue_90"]
    out, _err = _call("daily", "--as-of", "2026-11-30")
    assert ": 0 credit events" in out and overdue_events() == ["overdue_90"]  # idempotent


def test_backtest_reports_on_ratings_as_of_a_past_day(demo):
    import json

    _call("run", "--all", "--as-of", "2025-11-30")
    _call("run", "--all", "--as-of", "2026-11-30")
    out, _err = _call("backtest", "--from", "2025-11-30", "--format", "json")
    report = json.loads(out)
    rates = report["default_rate_by_grade"]
    assert rates["customers"] + rates["excluded_in_default"] == 20  # every customer was rated
    assert sum(row["customers"] for row in rates["rows"]) == rates["customers"]
    assert sum(row["defaults"] for row in rates["rows"]) == rates["defaults"]
    migration = report["migration"]
    assert migration["end"] == "2026-11-30" and migration["customers"] == 20
    assert sum(map(sum, migration["counts"])) == 20
    assert migration["upgrades"] + migration["downgrades"] + migration["unchanged"] == 20
    table, _err = _call("backtest", "--from", "2025-11-30")
    assert "Default rate by grade: rated as of 2025-11-30" in table
    assert "Rating migration 2025-11-30 → 2026-11-30: 20 customers" in table
    assert "material from 1,000.00 CNY and 1.0 % of the open receivables" in table
    assert rates["definition"] == {"code": "90dpd12m", "days": 90, "months": 12,
                                   "min_amount": "1000", "min_share": "0.01"}
    # The definition's options: 6 months, 30 days, any amount.
    out, _err = _call("backtest", "--from", "2025-11-30", "--format", "json",
                      "--default-definition", "30dpd6m", "--materiality-amount", "0",
                      "--materiality-percent", "0")
    loose = json.loads(out)["default_rate_by_grade"]
    assert loose["window_end"] == "2026-05-30" and loose["definition"]["min_amount"] == "0"
    # A looser definition never finds fewer customers in default at the start.
    assert loose["excluded_in_default"] >= rates["excluded_in_default"]
    with pytest.raises(CommandError, match="write it like 90dpd12m"):
        _call("backtest", "--from", "2025-11-30", "--default-definition", "90dpd0")
    with pytest.raises(CommandError, match="at least 1"):
        _call("backtest", "--from", "2025-11-30", "--default-definition", "90dpd0m")
    with pytest.raises(CommandError, match="not a number"):
        _call("backtest", "--from", "2025-11-30", "--materiality-percent", "x")

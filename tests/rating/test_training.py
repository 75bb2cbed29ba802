"""Training scorecards from a CSV file (UTF-8 / GBK) and from credo's own history."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from credo.demo.generator import DEFAULT_AS_OF, PortfolioGenerator
from credo.demo.ledger import LedgerGenerator
from credo.demo.writer import load_portfolio
from credo.rating import training
from credo.rating.defaults import configured_definition, default_outcomes
from credo.rating.engine.scorecard import Scorecard
from credo.rating.engine.statistical import score_rows, table_to_columns
from credo.receivables.models import Invoice

GERMAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "german_credit.csv"


def _small_csv(rows: int = 300) -> str:
    """A synthetic table with a Chinese categorical column: bad odds fall with income."""
    rng = np.random.default_rng(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["收入", "行业", "违约"])
    for _ in range(rows):
        income = float(rng.uniform(0, 100))
        sector = str(rng.choice(["制造业", "批发零售", "建筑业"]))
        risk = 0.6 - income / 200 + (0.15 if sector == "建筑业" else 0.0)
        writer.writerow([f"{income:.1f}", sector, "是" if rng.random() < risk else "否"])
    return out.getvalue()


def test_train_from_a_gbk_file_equals_the_utf8_file(tmp_path):
    text = _small_csv()
    (tmp_path / "utf8.csv").write_text(text, encoding="utf-8-sig")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    from_utf8 = training.train_file(tmp_path / "utf8.csv", target="违约", bad="是", key="t")
    from_gbk = training.train_file(tmp_path / "gbk.csv", target="违约", bad="是", key="t")
    assert from_gbk.card["meta"]["source"]["encoding"] == "gb18030"
    assert from_utf8.card["factors"] == from_gbk.card["factors"]
    assert "收入" in {f["key"] for f in from_gbk.card["factors"]}
    assert from_gbk.validation.auc > 0.6
    card = Scorecard.from_json(from_gbk.to_json())
    assert card.meta["validation"]["auc"] == pytest.approx(from_gbk.validation.auc)


def test_bad_training_input_gives_clear_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_small_csv(60), encoding="utf-8")
    with pytest.raises(training.TrainingError, match="no column nope"):
        training.train_file(path, target="nope", bad="是")
    with pytest.raises(training.TrainingError, match="must mark some but not all"):
        training.train_file(path, target="违约", bad="maybe")
    with pytest.raises(training.TrainingError, match="Give --bad"):
        training.train_file(path, target="违约")
    with pytest.raises(training.TrainingError, match="Cannot read"):
        training.train_file(tmp_path / "absent.csv", target="违约")
    with pytest.raises(training.TrainingError, match="90dpd12m"):
        training.definition_from("ninety days")
    with pytest.raises(training.TrainingError, match="not a number"):
        training.definition_from("90dpd12m", min_percent="one")
    with pytest.raises(training.TrainingError, match="between 0 and 100"):
        training.definition_from("90dpd12m", min_percent="150")
    definition = training.definition_from("60DPD6m", min_amount="500", min_percent="2")
    assert (definition.code, definition.min_amount, definition.min_share) == (
        "60dpd6m", Decimal("500"), Decimal("0.02"))
    assert training.definition_from() == configured_definition()
    (tmp_path / "card.json").write_text('{"format": "nope"}', encoding="utf-8")
    with pytest.raises(training.TrainingError, match="not a valid scorecard"):
        training.load_card(tmp_path / "card.json")


@pytest.mark.skipif(not GERMAN.exists(), reason="../shared/data/german_credit.csv is absent")
def test_german_credit_trains_a_card_with_its_validation_report():
    result = training.train_file(GERMAN, target="creditability", key="german")
    assert result.card["meta"]["source"]["bad"] == "bad"
    assert result.rows == 1000 and result.bads == 300
    assert 0.72 < result.validation.auc < 0.9
    assert result.validation.rows == 300  # the 30 % hold-out


@pytest.mark.django_db
def test_from_history_on_a_demo_portfolio_yields_a_card_that_ranks_defaults():
    load_portfolio(
        PortfolioGenerator(seed=3, count=400, as_of=DEFAULT_AS_OF), bulk=True, batch_size=200,
        ledger=LedgerGenerator(seed=3, as_of=DEFAULT_AS_OF, items_per_customer=6),
    )
    columns, flags, source = training.history_table(as_of=DEFAULT_AS_OF)
    assert source["observation_date"] == "2025-11-30" and len(flags) == source["customers"]
    assert source["default_definition"]["min_amount"] == "1000"
    # A realistic bad rate: the thresholds and the dispute rule leave small residues and
    # contested items out.
    assert 0.02 < flags.mean() < 0.2
    # One definition: the training labels are the back-test's outcomes for the same window.
    invoiced_ids = np.array(sorted(
        Invoice.objects.filter(invoice_date__lte=dt.date(2025, 11, 30)).order_by()
        .values_list("customer_id", flat=True).distinct()))
    outcomes = default_outcomes(customer_ids=invoiced_ids, window_start=dt.date(2025, 11, 30),
                                definition=configured_definition())
    assert source["excluded_in_default"] == int(outcomes.in_default_at_start.sum()) > 0
    assert flags.tolist() == outcomes.defaulted[~outcomes.in_default_at_start].astype(int).tolist()
    result = training.train_history(as_of=DEFAULT_AS_OF)
    card = Scorecard.from_json(result.to_json())
    assert card.kind == "statistical" and card.factors
    # The demo's defaults depend on the drivers: the card ranks them on its own data.
    assert result.development.auc > 0.6
    assert "auc" in card.meta["validation"]


def test_points_scaling_is_configurable(tmp_path):
    # The same model under two scalings: score = offset + factor * ln(odds), factor = pdo / ln 2,
    # so (score - base_score) / pdo = log2(odds / base_odds) for every row. Default 600 at
    # 50:1 with PDO 20; custom 500 at 20:1 with PDO 40:
    #   (s2 - 500) / 40 = log2(odds) - log2(20) = (s1 - 600) / 20 + log2(50) - log2(20).
    path = tmp_path / "t.csv"
    path.write_text(_small_csv(300), encoding="utf-8")
    default = training.train_file(path, target="违约", bad="是")
    custom = training.train_file(path, target="违约", bad="是",
                                 scaling=training.scaling_from(base_score="500", base_odds="20",
                                                               pdo="40"))
    assert custom.card["scaling"] == {"base_score": 500.0, "base_odds": 20.0, "pdo": 40.0}
    assert default.card["scaling"] == {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
    rows, _codec = training.read_table(path)
    columns, _flags = table_to_columns(rows, "违约", "是")
    prepared, _categorical = training.prepare_columns(columns)
    s1 = score_rows(default.card, prepared)
    s2 = score_rows(custom.card, prepared)
    assert np.ptp(s1) > 10  # the scores do vary
    np.testing.assert_allclose((s2 - 500) / 40, (s1 - 600) / 20 + np.log2(50 / 20), atol=1e-6)
    # The ranking, and so the AUC, is the same.
    assert custom.validation.auc == pytest.approx(default.validation.auc)


def test_bad_scaling_is_refused():
    with pytest.raises(training.TrainingError, match="above 0"):
        training.scaling_from(pdo="0")
    with pytest.raises(training.TrainingError, match="above 0"):
        training.scaling_from(base_odds="-2")
    with pytest.raises(training.TrainingError, match="not a number"):
        training.scaling_from(base_score="six hundred")


def test_the_html_report_carries_the_scorecard_table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_small_csv(300), encoding="utf-8")
    result = training.train_file(path, target="违约", bad="是")
    page = result.validation.html(scorecard=result.card)
    assert page.index("<h2>Scorecard</h2>") < page.index("<h2>Discrimination</h2>")
    table = page[page.index("<h2>Scorecard</h2>"):page.index("<h2>Discrimination</h2>")]
    # One row per bin, each with its WOE and points as the card has them.
    for factor in result.card["factors"]:
        for item in factor["bins"]:
            assert f"<td>{item['points']:.2f}</td>" in table
            assert f"<td>{item['woe']:.4f}</td>" in table
    assert table.count("<tr>") == 1 + sum(len(f["bins"]) + 1 for f in result.card["factors"])
    assert "<h2>Scorecard</h2>" not in result.validation.html()  # only when asked for

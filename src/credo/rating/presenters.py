"""Read-only shaping of ratings for the UI and the API: grade badges, the explanation (reasons,
contributions by dimension, the data used with dates, what would change the grade) and the
history chart's data.

Nothing here writes or checks permissions: callers pass objects they were allowed to read. The
engine's stable English keys become labels in the active language here (feature labels through
``messages.feature_label``; grade, class and dimension labels from the engine's en/zh pairs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from credo.rating.engine.grades import (
    CLASS_LABELS,
    GRADE_CLASSES,
    GRADE_LABELS,
    GradeError,
    GradeScale,
    grade_improvements,
)
from credo.rating.engine.scorecard import (
    DIMENSION_LABELS,
    DIMENSIONS,
    NumericBin,
    Scorecard,
    ScorecardError,
)

from . import selectors
from .messages import feature_label, render_message, stored_text
from .models import Rating, ScorecardVersion

# Why a value counted as missing (the engine's and the features' stable texts).
MISSING_REASON_LABELS = {
    "missing input": _("no data"),
    "missing_input": _("no data"),
    "not a number": _("not a number"),
    "unlisted category": _("value not listed on the scorecard"),
    "zero denominator": _("zero denominator"),
    "zero_denominator": _("zero denominator"),
    "negative denominator": _("negative denominator"),
    "negative_denominator": _("negative denominator"),
    "not meaningful": _("not meaningful"),
    "not_meaningful": _("not meaningful"),
}
MISSING_RULE_LABELS = {
    "points": _("fixed points"),
    "worst": _("worst bin's points"),
    "neutral": _("neutral points"),
}
FEATURE_STATUS_LABELS = {
    "ok": _("available"),
    "missing_input": _("no data"),
    "zero_denominator": _("zero denominator"),
    "negative_denominator": _("negative denominator"),
    "not_meaningful": _("not meaningful"),
}


def _chinese() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


def localized(pair: tuple[str, str]) -> str:
    """The English or Chinese half of an engine label pair, by the active language."""
    return pair[1] if _chinese() else pair[0]


def dimension_label(key: str) -> str:
    """The dimension's label in the active language (the key when unknown)."""
    pair = DIMENSION_LABELS.get(key)
    return key if pair is None else localized(pair)


def missing_reason_label(reason: Any) -> str:
    """Why a value is missing, translated when it is one of the engine's stable texts."""
    if not reason:
        return ""
    label = MISSING_REASON_LABELS.get(str(reason))
    return str(reason) if label is None else str(label)


def _feature_missing_reason(
    features: Mapping[str, Any] | None, key: str, reason: Any
) -> str:
    """Why a factor counted as missing: the feature's structured note when the feature had no
    value (rendered in the active language), else the stored reason translated if it is one of
    the engine's stable texts (older ratings, batch ratings: the status in words)."""
    feature = (features or {}).get(key)
    if (
        isinstance(feature, Mapping)
        and feature.get("value") is None
        and isinstance(feature.get("note_message"), Mapping)
        and reason
    ):
        return render_message(feature["note_message"])
    return missing_reason_label(reason)


def bin_label(label: str) -> str:
    """A bin label for display: the engine's ``missing (rule)`` and ``other`` translated."""
    if label.startswith("missing (") and label.endswith(")"):
        rule = label[len("missing (") : -1]
        return str(_("missing: %(rule)s") % {"rule": MISSING_RULE_LABELS.get(rule, rule)})
    if label == "other":
        return str(_("other"))
    if label == "any":
        return str(_("any"))
    return label


def value_text(value: Any) -> str:
    """A feature value for display: grouped numbers with at most 3 decimals, text as is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if number == int(number) and abs(number) < 1e15:
            return f"{int(number):,}"
        return f"{number:,.3f}".rstrip("0").rstrip(".")
    return str(value)


# --------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class GradeBadge:
    """How a grade is shown: code, class (A/B/C/D), labels, PD and the badge's CSS class."""

    code: str
    grade_class: str
    label: str
    class_label: str
    pd: float | None

    @property
    def css_class(self) -> str:
        return f"grade-{self.grade_class.lower()}"


def grade_badge(code: str, scale: GradeScale | None = None) -> GradeBadge:
    """The badge of grade ``code`` (PD from ``scale`` when given and the grade is on it)."""
    grade_class = GRADE_CLASSES.get(code, "D")
    pd = None
    if scale is not None:
        try:
            pd = scale.pd_for_grade(code)
        except GradeError:
            pd = None
    return GradeBadge(
        code=code,
        grade_class=grade_class,
        label=localized(GRADE_LABELS[code]) if code in GRADE_LABELS else code,
        class_label=localized(CLASS_LABELS[grade_class]),
        pd=pd,
    )


def grade_choices(scale: GradeScale) -> list[tuple[str, str]]:
    """``(code, "AA — Very strong")`` for a select, best grade first."""
    return [(code, f"{code} — {grade_badge(code).label}") for code in scale.codes]


def scale_rows(scale: GradeScale) -> list[dict[str, Any]]:
    """The scale as a table: grade badge, minimum score and PD, best first."""
    return [
        {"badge": grade_badge(g.code), "min_score": g.min_score, "pd": g.pd} for g in scale.grades
    ]


def pd_percent(pd: Decimal | float | None) -> str:
    """A PD as a percentage with 2 decimals (``0.80 %``); a dash when absent."""
    if pd is None:
        return "—"
    return f"{float(pd) * 100:.2f} %"


# --------------------------------------------------------------------------- explanation


def reason_rows(rating: Rating) -> list[dict[str, Any]]:
    """The rating's top reasons: translated factor label, value, bin and points lost."""
    return [
        {
            "key": reason["key"],
            "label": feature_label(reason["key"]),
            "dimension": dimension_label(reason.get("dimension", "")),
            "value": reason.get("value"),
            "value_text": value_text(reason.get("value")),
            "bin": bin_label(reason.get("bin_label") or ""),
            "points": reason.get("points"),
            "max_points": reason.get("max_points"),
            "points_lost": reason.get("points_lost"),
            "missing_reason": _feature_missing_reason(
                rating.features, reason["key"], reason.get("missing_reason")
            ),
        }
        for reason in rating.reasons
    ]


def contribution_row(
    item: Mapping[str, Any], features: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One stored contribution, with translated labels and the missing rule spelled out.

    ``features`` (the rating's stored feature snapshot) gives the structured reason why a
    value was missing, rendered in the active language."""
    missing_rule = str(item.get("missing_rule") or "")
    return {
        "key": item["key"],
        "label": feature_label(item["key"]),
        "dimension": item.get("dimension", ""),
        "value": item.get("value"),
        "value_text": value_text(item.get("value")),
        "bin": bin_label(item.get("bin_label") or ""),
        "points": item.get("points"),
        "max_points": item.get("max_points"),
        "points_lost": item.get("points_lost"),
        "missing_applied": bool(item.get("missing_applied")),
        "missing_rule": str(MISSING_RULE_LABELS.get(missing_rule, missing_rule)),
        "missing_reason": _feature_missing_reason(
            features, item["key"], item.get("missing_reason")
        ),
    }


def contributions_by_dimension(rating: Rating) -> list[dict[str, Any]]:
    """The contributions grouped by dimension (the credit file's order) with subtotals."""
    rows = [contribution_row(item, rating.features) for item in rating.contributions]
    groups = []
    order = [*DIMENSIONS, *sorted({r["dimension"] for r in rows} - set(DIMENSIONS))]
    for dimension in order:
        members = [r for r in rows if r["dimension"] == dimension]
        if not members:
            continue
        groups.append(
            {
                "dimension": dimension,
                "label": dimension_label(dimension),
                "points": sum(float(r["points"] or 0) for r in members),
                "max_points": sum(float(r["max_points"] or 0) for r in members),
                "rows": members,
            }
        )
    return groups


def data_used(rating: Rating, *, only: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The feature values the rating was computed from, with their date, source and status.

    ``only`` limits the list to these keys (e.g. the scorecard's factors), in that order;
    otherwise every stored feature by dimension and key.
    """
    features: Mapping[str, Mapping[str, Any]] = rating.features or {}
    if only is not None:
        keys = [key for key in only if key in features]
    else:
        position = {d: i for i, d in enumerate(DIMENSIONS)}
        keys = sorted(
            features,
            key=lambda k: (position.get(features[k].get("dimension", ""), 99), k),
        )
    rows = []
    for key in keys:
        feature = features[key]
        status = feature.get("status") or ""
        rows.append(
            {
                "key": key,
                "label": feature_label(key),
                "dimension": dimension_label(feature.get("dimension", "")),
                "value": feature.get("value"),
                "value_text": value_text(feature.get("value")),
                "as_of": _date(feature.get("as_of")),
                "source": stored_text(feature.get("source_message"), feature.get("source")),
                "status": status,
                "status_label": str(FEATURE_STATUS_LABELS.get(status, status)),
                "note": stored_text(feature.get("note_message"), feature.get("note")),
                "source_message": _message_or_none(feature.get("source_message")),
                "note_message": _message_or_none(feature.get("note_message")),
            }
        )
    return rows


def _message_or_none(value: Any) -> dict[str, Any] | None:
    """A stored structured message as it is (code + params); None for an older plain text."""
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return {"code": value["code"], "params": dict(value.get("params") or {})}
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def feature_values(rating: Rating) -> dict[str, Any]:
    """The stored feature values as the engine's input mapping (key -> value or None)."""
    return {key: item.get("value") for key, item in (rating.features or {}).items()}


def _missing_reasons(rating: Rating) -> dict[str, str]:
    return {
        item["key"]: item["missing_reason"]
        for item in rating.contributions
        if item.get("missing_reason")
    }


def improvements(rating: Rating) -> dict[str, Any] | None:
    """What would change the grade: per factor, the bin change (alone) that lifts the model
    score to the next better grade and the points needed; None when it cannot be computed
    (e.g. a scorecard whose factors no longer match the stored values)."""
    version = rating.scorecard
    try:
        card = selectors.engine_scorecard(version)
        scale = selectors.grade_scale_for(version)
        result = grade_improvements(
            card, feature_values(rating), scale, missing_reasons=_missing_reasons(rating)
        )
    except (ScorecardError, GradeError, KeyError, TypeError, ValueError):
        return None
    return {
        "score": result.score,
        "grade": grade_badge(result.grade, scale),
        "target": None if result.target_grade is None else grade_badge(result.target_grade, scale),
        "target_min_score": result.target_min_score,
        "points_needed": None
        if result.target_min_score is None
        else max(result.target_min_score - result.score, 0.0),
        "changes": [
            {
                "key": change.key,
                "label": feature_label(change.key),
                "dimension": dimension_label(change.dimension),
                "from_bin": bin_label(change.from_bin_label),
                "from_points": change.from_points,
                "to_bin": bin_label(change.to_bin_label),
                "to_points": change.to_points,
                "points_gain": change.points_gain,
                "new_score": change.new_score,
                "steps": change.steps,
            }
            for change in result.changes
        ],
    }


def rating_summary(rating: Rating) -> dict[str, Any]:
    """The figures every view of a rating shows (badge, score range, PD, model, dates)."""
    version = rating.scorecard
    scale = selectors.grade_scale_for(version)
    try:
        card: Scorecard | None = selectors.engine_scorecard(version)
    except ScorecardError:
        card = None
    return {
        "rating": rating,
        "badge": grade_badge(rating.grade, scale),
        "previous_badge": grade_badge(rating.previous_grade) if rating.previous_grade else None,
        "pd_percent": pd_percent(rating.pd),
        "min_score": None if card is None else card.min_score,
        "max_score": None if card is None else card.max_score,
        "scale": scale,
        "scorecard": version,
        "trigger_label": rating.get_trigger_display(),
    }


# --------------------------------------------------------------------------- history chart


@dataclass(frozen=True)
class HistoryPoint:
    """One rating on the history chart."""

    label: str
    score: float
    grade: str


@dataclass(frozen=True)
class GradeBand:
    """A grade's score band on the history chart (``upper`` None = unbounded above)."""

    grade: str
    grade_class: str
    lower: float | None
    upper: float | None


def history_points(ratings: Sequence[Rating]) -> list[HistoryPoint]:
    """Ratings oldest first as chart points (date label, score, grade)."""
    ordered = sorted(ratings, key=lambda r: (r.rated_at, r.pk))
    return [
        HistoryPoint(label=translation_date(r.rated_at), score=float(r.score), grade=r.grade)
        for r in ordered
    ]


def translation_date(moment: dt.datetime) -> str:
    """A rating time as a short ``YYYY-MM-DD`` label in the current time zone."""
    from django.utils import timezone

    return timezone.localtime(moment).date().isoformat()


def grade_bands(scale: GradeScale) -> list[GradeBand]:
    """Each grade's score band, best first: from its minimum to the next better grade's."""
    bands = []
    upper: float | None = None
    for grade in scale.grades:
        bands.append(
            GradeBand(
                grade=grade.code,
                grade_class=GRADE_CLASSES.get(grade.code, "D"),
                lower=grade.min_score,
                upper=upper,
            )
        )
        upper = grade.min_score
    return bands


# --------------------------------------------------------------------------- scorecards


def numeric_bin_label(lower: float | None, upper: float | None) -> str:
    """``< 1``, ``[1, 2)``, ``>= 2`` or ``any`` (the engine's label of a numeric bin)."""
    if lower is None and upper is None:
        return str(_("any"))
    return NumericBin(lower, upper, 0.0).label


def next_scorecard_version(key: str) -> int:
    """The version number the next version of scorecard ``key`` gets."""
    latest = ScorecardVersion.objects.filter(key=key).aggregate(latest=Max("version"))["latest"]
    return (latest or 0) + 1


PSI_READINGS = {
    "stable": _("stable"),
    "watch": _("watch"),
    "shifted": _("shifted"),
}


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def validation_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """A stored ``ValidationReport.to_dict()`` shaped for a template (missing parts empty)."""
    psi = report.get("psi") if isinstance(report.get("psi"), Mapping) else None
    factors = [
        {
            "key": item.get("key", ""),
            "label": feature_label(str(item.get("key", ""))),
            "iv": _float(item.get("iv")),
        }
        for item in report.get("factors") or []
        if isinstance(item, Mapping)
    ]
    factors.sort(key=lambda item: -(item["iv"] or 0.0))
    return {
        "card_key": report.get("card_key", ""),
        "card_version": report.get("card_version", ""),
        "measures": [
            (_("Rows"), report.get("rows")),
            (_("Bads"), report.get("bads")),
            (_("Bad rate"), _float(report.get("bad_rate"))),
            (_("AUC"), _float(report.get("auc"))),
            (_("Gini"), _float(report.get("gini"))),
            (_("KS"), _float(report.get("ks"))),
            (_("KS at score"), _float(report.get("ks_score"))),
            (_("Brier score"), _float(report.get("brier"))),
        ],
        "calibration": [row for row in report.get("calibration") or [] if isinstance(row, Mapping)],
        "factors": factors,
        "psi": None
        if psi is None
        else {
            "value": _float(psi.get("psi")),
            "reading": str(PSI_READINGS.get(str(psi.get("reading")), psi.get("reading") or "")),
            "rows": [row for row in psi.get("rows") or [] if isinstance(row, Mapping)],
        },
        "notes": [str(note) for note in report.get("notes") or []],
    }

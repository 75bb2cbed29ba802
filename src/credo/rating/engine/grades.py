"""Grade scales (信用等级), score -> grade -> PD, PD calibration, review intervals and terms.

Two scales are supported (see GLOSSARY.md):

* ``"nine"`` -- 三等九级: AAA, AA, A (A类), BBB, BB, B (B类), CCC, CC, C (C类). The default.
* ``"ten"`` -- 四等十级: the nine grades plus D (D类, in default).

A :class:`GradeScale` gives each grade a minimum score (highest grade first; the lowest grade
takes every score below the next grade, so its ``min_score`` is ``None``) and a PD (违约概率).
Scales are data (``to_dict``/``from_dict``) and validated: cut-offs strictly decreasing, PDs in
(0, 1) and never decreasing from AAA to the lowest grade (ties are allowed because pooled
calibration legitimately produces them).

Default expert cut-offs on the 0..1000 expert score: 100 points per grade, AAA >= 900 down to
CC >= 200, C below 200 (ten scale: C >= 100, D below 100). The default PDs are one-year
trade-credit default rates that roughly double per grade in the investment grades and grow
faster below BB -- starting values to be replaced by :func:`calibrate_pd` once the ledger has
enough defaults.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, cast

from credo.rating.engine.scorecard import (
    BinChange,
    FeatureValue,
    Scaling,
    Scorecard,
)

GRADE_SCALE_FORMAT: Final = "credo.grade_scale/1"
NINE_GRADES: Final[tuple[str, ...]] = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
TEN_GRADES: Final[tuple[str, ...]] = (*NINE_GRADES, "D")
SCALE_GRADES: Final[Mapping[str, tuple[str, ...]]] = {"nine": NINE_GRADES, "ten": TEN_GRADES}

#: Grade -> class (等): A类 AAA/AA/A, B类 BBB/BB/B, C类 CCC/CC/C, D类 D.
GRADE_CLASSES: Final[Mapping[str, str]] = {
    "AAA": "A", "AA": "A", "A": "A",
    "BBB": "B", "BB": "B", "B": "B",
    "CCC": "C", "CC": "C", "C": "C",
    "D": "D",
}
#: Class -> (English label, Chinese label).
CLASS_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "A": ("Class A", "A类"),
    "B": ("Class B", "B类"),
    "C": ("Class C", "C类"),
    "D": ("Class D", "D类"),
}
#: Grade -> (English label, Chinese label). On the nine scale C also covers defaulted debtors.
GRADE_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "AAA": ("Extremely strong", "信用极好"),
    "AA": ("Very strong", "信用优良"),
    "A": ("Strong", "信用较好"),
    "BBB": ("Adequate", "信用一般"),
    "BB": ("Speculative", "信用欠佳"),
    "B": ("Weak", "信用较差"),
    "CCC": ("Very weak", "信用很差"),
    "CC": ("Extremely weak", "信用极差"),
    "C": ("Near default", "濒临违约"),
    "D": ("In default", "违约"),
}


class GradeError(ValueError):
    """An invalid grade scale, policy or grade code; ``path`` locates the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


@dataclass(frozen=True)
class Grade:
    """One grade of a scale: code, class, labels, minimum score (None = lowest) and PD."""

    code: str
    min_score: float | None
    pd: float

    @property
    def grade_class(self) -> str:
        """The class (等) letter: A, B, C or D."""
        return GRADE_CLASSES[self.code]

    @property
    def label(self) -> str:
        """English label."""
        return GRADE_LABELS[self.code][0]

    @property
    def label_zh(self) -> str:
        """Chinese label."""
        return GRADE_LABELS[self.code][1]

    @property
    def class_label(self) -> str:
        """English class label, e.g. ``Class A``."""
        return CLASS_LABELS[self.grade_class][0]

    @property
    def class_label_zh(self) -> str:
        """Chinese class label, e.g. ``A类``."""
        return CLASS_LABELS[self.grade_class][1]


@dataclass(frozen=True)
class GradeScale:
    """A grade scale: grades best first with score cut-offs and PDs; validated on creation."""

    scale: str
    grades: tuple[Grade, ...]
    name: str = ""

    def __post_init__(self) -> None:
        _validate_scale(self)

    @property
    def codes(self) -> tuple[str, ...]:
        """Grade codes, best first."""
        return tuple(g.code for g in self.grades)

    def grade(self, code: str) -> Grade:
        """The grade with ``code`` (GradeError if the scale has none)."""
        for g in self.grades:
            if g.code == code:
                return g
        raise GradeError("grade", f"unknown grade {code!r} on the {self.scale} scale")

    def grade_for_score(self, score: float) -> Grade:
        """The best grade whose minimum score ``score`` reaches (a cut-off belongs to its grade)."""
        if math.isnan(score):
            raise GradeError("score", "is NaN")
        for g in self.grades:
            if g.min_score is None or score >= g.min_score:
                return g
        raise AssertionError("the lowest grade has no minimum")  # pragma: no cover

    def pd_for_grade(self, code: str) -> float:
        """The PD of grade ``code``."""
        return self.grade(code).pd

    def next_better(self, code: str) -> Grade | None:
        """The grade one step better than ``code`` (None for the best grade)."""
        index = self.codes.index(self.grade(code).code)
        return self.grades[index - 1] if index > 0 else None

    def with_pds(self, pds: Mapping[str, float]) -> GradeScale:
        """A copy with the PDs replaced for the grades in ``pds`` (e.g. after calibration)."""
        return replace(
            self, grades=tuple(replace(g, pd=pds.get(g.code, g.pd)) for g in self.grades)
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (stable key order)."""
        return {
            "format": GRADE_SCALE_FORMAT,
            "scale": self.scale,
            "name": self.name,
            "grades": [
                {"code": g.code, "min_score": g.min_score, "pd": g.pd} for g in self.grades
            ],
        }

    def to_json(self) -> str:
        """Pretty JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GradeScale:
        """Parse and validate a ``credo.grade_scale/1`` dict."""
        if data.get("format") != GRADE_SCALE_FORMAT:
            raise GradeError(
                "format", f"expected {GRADE_SCALE_FORMAT!r}, got {data.get('format')!r}"
            )
        raw_grades = data.get("grades")
        if not isinstance(raw_grades, list):
            raise GradeError("grades", "must be a list")
        grades: list[Grade] = []
        for i, raw in enumerate(raw_grades):
            if not isinstance(raw, Mapping):
                raise GradeError(f"grades[{i}]", "must be an object")
            item = cast(Mapping[str, object], raw)
            code = item.get("code")
            if not isinstance(code, str):
                raise GradeError(f"grades[{i}].code", f"must be a string, got {code!r}")
            min_score = item.get("min_score")
            grades.append(
                Grade(
                    code=code,
                    min_score=None
                    if min_score is None
                    else _number(min_score, f"grades[{i}].min_score"),
                    pd=_number(item.get("pd"), f"grades[{i}].pd"),
                )
            )
        scale = data.get("scale")
        name = data.get("name", "")
        if not isinstance(scale, str):
            raise GradeError("scale", f"must be a string, got {scale!r}")
        if not isinstance(name, str):
            raise GradeError("name", f"must be a string, got {name!r}")
        return cls(scale=scale, grades=tuple(grades), name=name)

    @classmethod
    def from_json(cls, text: str) -> GradeScale:
        """Parse and validate grade-scale JSON text."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise GradeError("", "a grade scale must be a JSON object")
        return cls.from_dict(data)


def _number(raw: object, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise GradeError(path, f"must be a number, got {raw!r}")
    return float(raw)


def _validate_scale(scale: GradeScale) -> None:
    if scale.scale not in SCALE_GRADES:
        raise GradeError("scale", f"unknown scale {scale.scale!r} (expected nine or ten)")
    expected = SCALE_GRADES[scale.scale]
    if scale.codes != expected:
        raise GradeError(
            "grades",
            f"the {scale.scale} scale needs grades {', '.join(expected)} in this order, "
            f"got {', '.join(scale.codes)}",
        )
    last = len(scale.grades) - 1
    for i, g in enumerate(scale.grades):
        path = f"grades[{i}]"
        if not (math.isfinite(g.pd) and 0.0 < g.pd < 1.0):
            raise GradeError(f"{path}.pd", f"must be strictly between 0 and 1, got {g.pd!r}")
        if i == last:
            if g.min_score is not None:
                raise GradeError(
                    f"{path}.min_score",
                    "must be null: the lowest grade takes every score below the next grade",
                )
            continue
        if g.min_score is None or not math.isfinite(g.min_score):
            raise GradeError(f"{path}.min_score", f"must be a finite number, got {g.min_score!r}")
        if i > 0:
            previous = scale.grades[i - 1]
            assert previous.min_score is not None
            if g.min_score >= previous.min_score:
                raise GradeError(
                    f"{path}.min_score",
                    f"{g.min_score!r} must be below {previous.code}'s {previous.min_score!r} "
                    "(cut-offs strictly decreasing)",
                )
        if scale.grades[i + 1].pd < g.pd:
            raise GradeError(
                f"grades[{i + 1}].pd",
                f"{scale.grades[i + 1].pd!r} is below {g.code}'s {g.pd!r} "
                "(PDs must not decrease from AAA down)",
            )


#: Default PDs (one year) per grade; the ten scale's D is a defaulted debtor (PD 0.99).
DEFAULT_PDS: Final[Mapping[str, float]] = {
    "AAA": 0.001, "AA": 0.002, "A": 0.004, "BBB": 0.008, "BB": 0.016,
    "B": 0.035, "CCC": 0.08, "CC": 0.16, "C": 0.30, "D": 0.99,
}
#: Default expert cut-offs on 0..1000 (100 points per grade).
DEFAULT_EXPERT_CUTOFFS: Final[Mapping[str, Mapping[str, float | None]]] = {
    "nine": {"AAA": 900, "AA": 800, "A": 700, "BBB": 600, "BB": 500, "B": 400,
             "CCC": 300, "CC": 200, "C": None},
    "ten": {"AAA": 900, "AA": 800, "A": 700, "BBB": 600, "BB": 500, "B": 400,
            "CCC": 300, "CC": 200, "C": 100, "D": None},
}


def default_scale(scale: str = "nine") -> GradeScale:
    """The default grade scale for expert scores 0..1000 (``"nine"`` or ``"ten"``)."""
    if scale not in SCALE_GRADES:
        raise GradeError("scale", f"unknown scale {scale!r} (expected nine or ten)")
    cutoffs = DEFAULT_EXPERT_CUTOFFS[scale]
    pds = dict(DEFAULT_PDS)
    if scale == "nine":
        pds["C"] = 0.5  # on the nine scale C also holds the defaulted debtors
    return GradeScale(
        scale=scale,
        name=f"Default expert scale ({scale})",
        grades=tuple(
            Grade(code=c, min_score=None if cutoffs[c] is None else float(cast(float, cutoffs[c])),
                  pd=pds[c])
            for c in SCALE_GRADES[scale]
        ),
    )


def statistical_scale(scaling: Scaling, *, base: GradeScale | None = None) -> GradeScale:
    """Cut-offs for a statistical scorecard from its scaling and the grades' PDs.

    Each grade's PD band ends where the next worse grade's begins, at the geometric mean of the
    two PDs (the midpoint in log-odds); the grade's minimum score is ``pd_to_score`` of that
    band edge, rounded to 0.01. ``base`` (default: :func:`default_scale`) supplies the scale
    and PDs, which must be strictly increasing here (equal PDs give no band).
    """
    base = base or default_scale()
    grades: list[Grade] = []
    for i, g in enumerate(base.grades):
        if i == len(base.grades) - 1:
            grades.append(replace(g, min_score=None))
            break
        worse = base.grades[i + 1]
        if worse.pd <= g.pd:
            raise GradeError(
                f"grades[{i + 1}].pd",
                f"{worse.code} and {g.code} share PD {g.pd!r}: no score band between them",
            )
        edge = math.sqrt(g.pd * worse.pd)
        grades.append(replace(g, min_score=round(scaling.pd_to_score(edge), 2)))
    return GradeScale(scale=base.scale, grades=tuple(grades), name=f"{base.name} (statistical)")


# ---------------------------------------------------------------------------------------------
# PD calibration


@dataclass(frozen=True)
class GradeCalibration:
    """Calibration of one grade: counts, observed rate, shrunk rate and the final PD."""

    code: str
    observations: int
    defaults: int
    observed_rate: float | None  # None without observations
    prior_pd: float
    smoothed_pd: float
    calibrated_pd: float


@dataclass(frozen=True)
class PdCalibration:
    """Result of :func:`calibrate_pd`: per-grade rows and the scale with the calibrated PDs."""

    prior_weight: float
    grades: tuple[GradeCalibration, ...]
    scale: GradeScale

    @property
    def pds(self) -> dict[str, float]:
        """Grade code -> calibrated PD."""
        return {g.code: g.calibrated_pd for g in self.grades}


def _pool_adjacent_violators(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [weighted mean, total weight, count]
    for v, w in zip(values, weights, strict=True):
        blocks.append([v, w, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fitted: list[float] = []
    for mean, _weight, count in blocks:
        fitted.extend([mean] * int(count))
    return fitted


def calibrate_pd(
    scale: GradeScale,
    observations: Iterable[tuple[str, bool]],
    *,
    prior_weight: float = 50.0,
    min_pd: float = 0.0001,
    max_pd: float = 0.9999,
) -> PdCalibration:
    """Calibrate the grades' PDs from observed ``(grade, defaulted)`` pairs.

    Smoothing: Bayesian shrinkage toward the scale's current PD, a Beta prior worth
    ``prior_weight`` pseudo-observations: ``smoothed = (defaults + m * prior_pd) / (n + m)``,
    so a grade with few observations stays near its prior and a grade with none keeps it.
    Monotonicity: pool adjacent violators over the grades (best first) weighted by ``n + m``,
    so PDs never decrease from AAA down. Finally clipped to ``[min_pd, max_pd]`` (0 < PD < 1).
    """
    if not math.isfinite(prior_weight) or prior_weight <= 0:
        raise GradeError("prior_weight", f"must be > 0, got {prior_weight!r}")
    counts = {code: [0, 0] for code in scale.codes}
    for i, (code, defaulted) in enumerate(observations):
        if code not in counts:
            raise GradeError(f"observations[{i}]", f"unknown grade {code!r}")
        counts[code][0] += 1
        counts[code][1] += 1 if defaulted else 0
    smoothed = [
        (counts[g.code][1] + prior_weight * g.pd) / (counts[g.code][0] + prior_weight)
        for g in scale.grades
    ]
    weights = [counts[g.code][0] + prior_weight for g in scale.grades]
    fitted = _pool_adjacent_violators(smoothed, weights)
    rows = tuple(
        GradeCalibration(
            code=g.code,
            observations=counts[g.code][0],
            defaults=counts[g.code][1],
            observed_rate=counts[g.code][1] / counts[g.code][0] if counts[g.code][0] else None,
            prior_pd=g.pd,
            smoothed_pd=s,
            calibrated_pd=min(max(f, min_pd), max_pd),
        )
        for g, s, f in zip(scale.grades, smoothed, fitted, strict=True)
    )
    return PdCalibration(
        prior_weight=prior_weight,
        grades=rows,
        scale=scale.with_pds({r.code: r.calibrated_pd for r in rows}),
    )


# ---------------------------------------------------------------------------------------------
# What would change the grade


@dataclass(frozen=True)
class GradeImprovement:
    """The current grade, the next better one and the single-factor bin changes reaching it."""

    score: float
    grade: str
    target_grade: str | None  # None: already the best grade
    target_min_score: float | None
    changes: tuple[BinChange, ...]


def grade_improvements(
    card: Scorecard,
    values: Mapping[str, FeatureValue],
    scale: GradeScale,
    *,
    missing_reasons: Mapping[str, str] | None = None,
) -> GradeImprovement:
    """Per factor, the smallest change of bin that lifts the score to the next better grade.

    See :meth:`Scorecard.improvements_to_reach` for how the change is chosen.
    """
    result = card.score(values, missing_reasons=missing_reasons)
    current = scale.grade_for_score(result.score)
    better = scale.next_better(current.code)
    if better is None:
        return GradeImprovement(result.score, current.code, None, None, ())
    assert better.min_score is not None
    return GradeImprovement(
        score=result.score,
        grade=current.code,
        target_grade=better.code,
        target_min_score=better.min_score,
        changes=card.improvements_to_reach(
            values, better.min_score, missing_reasons=missing_reasons
        ),
    )


# ---------------------------------------------------------------------------------------------
# Review intervals and payment terms


@dataclass(frozen=True)
class ReviewPolicy:
    """Months until the next credit review (信用复核) per grade.

    Default: AAA/AA 12 months, A 9, BBB 6, BB 4, B and below 1 -- the worse the grade, the
    sooner a deterioration turns into a loss, so the file is looked at more often.
    """

    months: Mapping[str, int] = field(
        default_factory=lambda: {
            "AAA": 12, "AA": 12, "A": 9, "BBB": 6, "BB": 4,
            "B": 1, "CCC": 1, "CC": 1, "C": 1, "D": 1,
        },
        hash=False,
    )

    def __post_init__(self) -> None:
        for code in TEN_GRADES:
            months = self.months.get(code)
            if isinstance(months, bool) or not isinstance(months, int) or months < 1:
                raise GradeError(f"months.{code}", f"must be an integer >= 1, got {months!r}")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {"months": {code: self.months[code] for code in TEN_GRADES}}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ReviewPolicy:
        """Parse and validate."""
        months = data.get("months")
        if not isinstance(months, Mapping):
            raise GradeError("months", "must be an object")
        return cls(months=dict(cast(Mapping[str, int], months)))


DEFAULT_REVIEW_POLICY: Final = ReviewPolicy()


def next_review_interval(grade: str, policy: ReviewPolicy = DEFAULT_REVIEW_POLICY) -> int:
    """Months until the next periodic review for ``grade``."""
    if grade not in policy.months:
        raise GradeError("grade", f"unknown grade {grade!r}")
    return policy.months[grade]


#: Payment methods: key -> (English label, Chinese label).
PAYMENT_METHODS: Final[Mapping[str, tuple[str, str]]] = {
    "open_account": ("Open account", "赊销"),
    "guarantee": ("Against a guarantee", "担保"),
    "letter_of_credit": ("Letter of credit", "信用证"),
    "cash_against_documents": ("Cash against documents", "付款交单"),
    "prepayment": ("Prepayment", "预付款"),
}


@dataclass(frozen=True)
class PaymentTerms:
    """Recommended payment terms for a grade: accepted methods (best first) and credit term.

    ``term_days`` is the open-account credit term (账期); None when no open account is given.
    """

    grade: str
    methods: tuple[str, ...]
    term_days: int | None

    @property
    def open_account(self) -> bool:
        """Whether goods may ship on open account (unsecured credit)."""
        return "open_account" in self.methods

    @property
    def prepayment_only(self) -> bool:
        """Whether only prepayment is accepted."""
        return self.methods == ("prepayment",)

    @property
    def labels(self) -> tuple[str, ...]:
        """English labels of the methods."""
        return tuple(PAYMENT_METHODS[m][0] for m in self.methods)

    @property
    def labels_zh(self) -> tuple[str, ...]:
        """Chinese labels of the methods."""
        return tuple(PAYMENT_METHODS[m][1] for m in self.methods)


_SECURED: Final = ("guarantee", "letter_of_credit", "cash_against_documents")


def _default_terms() -> dict[str, PaymentTerms]:
    terms = {
        "AAA": PaymentTerms("AAA", ("open_account",), 90),
        "AA": PaymentTerms("AA", ("open_account",), 60),
        "A": PaymentTerms("A", ("open_account",), 45),
        "BBB": PaymentTerms("BBB", ("open_account",), 30),
        "BB": PaymentTerms("BB", ("open_account",), 30),
        "B": PaymentTerms("B", _SECURED, None),
        "CCC": PaymentTerms("CCC", _SECURED, None),
    }
    for code in ("CC", "C", "D"):
        terms[code] = PaymentTerms(code, ("prepayment",), None)
    return terms


@dataclass(frozen=True)
class TermsPolicy:
    """Payment terms per grade (configurable, JSON-able).

    Default: AAA 90 / AA 60 / A 45 days open account; BBB and BB open account 30 days; B and
    CCC only secured (guarantee, letter of credit, cash against documents); CC, C and D
    prepayment only.
    """

    terms: Mapping[str, PaymentTerms] = field(default_factory=_default_terms, hash=False)

    def __post_init__(self) -> None:
        for code in TEN_GRADES:
            t = self.terms.get(code)
            path = f"terms.{code}"
            if t is None:
                raise GradeError(path, "is required")
            if not t.methods:
                raise GradeError(f"{path}.methods", "must not be empty")
            for m in t.methods:
                if m not in PAYMENT_METHODS:
                    raise GradeError(
                        f"{path}.methods",
                        f"unknown method {m!r} (expected one of {', '.join(PAYMENT_METHODS)})",
                    )
            if t.open_account and (t.term_days is None or t.term_days < 1):
                raise GradeError(f"{path}.term_days", "open account needs term_days >= 1")
            if not t.open_account and t.term_days is not None:
                raise GradeError(f"{path}.term_days", "only open account takes term_days")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "terms": {
                code: {"methods": list(self.terms[code].methods),
                       "term_days": self.terms[code].term_days}
                for code in TEN_GRADES
            }
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TermsPolicy:
        """Parse and validate."""
        raw = data.get("terms")
        if not isinstance(raw, Mapping):
            raise GradeError("terms", "must be an object")
        terms: dict[str, PaymentTerms] = {}
        for code, item in cast(Mapping[str, object], raw).items():
            if not isinstance(item, Mapping):
                raise GradeError(f"terms.{code}", "must be an object")
            entry = cast(Mapping[str, object], item)
            methods = entry.get("methods")
            days = entry.get("term_days")
            if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
                raise GradeError(f"terms.{code}.methods", "must be a list of strings")
            if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
                raise GradeError(f"terms.{code}.term_days", f"must be an integer, got {days!r}")
            terms[code] = PaymentTerms(code, tuple(cast(list[str], methods)), days)
        return cls(terms=terms)


DEFAULT_TERMS_POLICY: Final = TermsPolicy()


def terms_for_grade(grade: str, policy: TermsPolicy = DEFAULT_TERMS_POLICY) -> PaymentTerms:
    """Recommended payment method(s) and credit term for ``grade``."""
    if grade not in policy.terms:
        raise GradeError("grade", f"unknown grade {grade!r}")
    return policy.terms[grade]


"""The expert scorecard editor's form (a credit manager's tool, see ``scorecard_edit_view``).

Per factor: the weight, the bins with their scores 0..100 (numeric bins: their bounds;
categorical bins: which categories they hold), the score of "other" categories and the missing
rule. Per card: the segment (industry sections, size classes), the grade cut-offs, and
optionally a new key, so a variant for a segment is saved as a scorecard of its own next to
the default one.

Bins are added and removed without JavaScript: the "split", "remove" and "add a bin" buttons
post the whole form with a ``bin_action``; the view then re-renders the user's input with the
new layout (:meth:`ScorecardEditorForm.with_bin_action`) and saves nothing. The number of bins
of factor ``i`` travels in the hidden ``bins_<i>``.

Field names: ``w_<i>`` weight, ``s_<i>_<j>`` bin score, ``c_<i>_<j>`` upper bound of numeric
bin ``j`` (= lower bound of bin ``j + 1``), ``cat_<i>_<j>`` categories of a categorical bin,
``o_<i>`` other score, ``mr_<i>`` missing rule, ``m_<i>`` missing score, ``g_<code>`` grade
cut-off, ``seg_sections`` / ``seg_sizes`` the segment, ``new_key``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.customers.choices import LegalForm, SizeClass
from credo.customers.models import Industry
from credo.rating import presenters, selectors
from credo.rating.engine.altman import AltmanZone
from credo.rating.engine.features import SIZE_CLASSES as FEATURE_SIZE_CLASSES
from credo.rating.engine.grades import GradeError, GradeScale
from credo.rating.engine.scorecard import (
    INDUSTRY_SECTIONS,
    MISSING_RULES,
    SIZE_CLASSES,
    ExpertFactor,
    Scorecard,
    ScorecardError,
    ScoredCategories,
    ScoredRange,
    Segment,
    expert_factors,
    expert_scorecard,
)
from credo.rating.messages import feature_label
from credo.rating.models import ScorecardVersion

BIN_ACTION = "bin_action"
MAX_BINS = 20
WEIGHT_TOLERANCE = 1e-6

ALTMAN_ZONE_LABELS = {
    AltmanZone.SAFE: gettext_lazy("Safe zone"),
    AltmanZone.GREY: gettext_lazy("Grey zone"),
    AltmanZone.DISTRESS: gettext_lazy("Distress zone"),
}
#: The values each categorical feature of the engine can take (``features.FEATURE_DEFINITIONS``
#: of kind "categorical", i.e. ``batch.CATEGORICAL``), as the customer master stores them.
CATEGORY_CHOICES: Mapping[str, Sequence[tuple[str, Any]]] = {
    "altman_zone": [(zone.value, ALTMAN_ZONE_LABELS[zone]) for zone in AltmanZone],
    "size_class": [(size, SizeClass(size).label) for size in FEATURE_SIZE_CLASSES],
    "legal_form": list(LegalForm.choices),
}

_ACTION = re.compile(r"^(split|remove|add)-(\d+)(?:-(\d+))?$")
_PATH_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^factors\[(\d+)\]\.weight$"), "w_{0}"),
    (re.compile(r"^factors\[(\d+)\]\.bins\[(\d+)\]\.(?:score|points)$"), "s_{0}_{1}"),
    (re.compile(r"^factors\[(\d+)\]\.bins\[(\d+)\]\.categories$"), "cat_{0}_{1}"),
    (re.compile(r"^factors\[(\d+)\]\.(?:other_score|other_points)$"), "o_{0}"),
    (re.compile(r"^factors\[(\d+)\]\.(?:missing_score|missing\.points)$"), "m_{0}"),
    (re.compile(r"^factors\[(\d+)\]\.missing\.rule$"), "mr_{0}"),
    (re.compile(r"^segment\.industry_sections"), "seg_sections"),
    (re.compile(r"^segment\.size"), "seg_sizes"),
)
_NUMERIC_BIN_PATH = re.compile(r"^factors\[(\d+)\]\.bins\[(\d+)\]$")


def category_choices(feature_key: str, used: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """The categories a factor can group: the feature's values, then any value the card uses
    beyond them, so an unusual card loses nothing in the editor."""
    choices = list(CATEGORY_CHOICES.get(feature_key, ()))
    known = {value for value, _label in choices}
    for value in used:
        if value and value not in known:
            choices.append((value, value))
            known.add(value)
    return choices


def industry_section_choices() -> list[tuple[str, str]]:
    """The GB/T 4754 sections (A..T) a segment can name, labelled from the industry table."""
    names = {
        industry.code: str(industry)
        for industry in Industry.objects.filter(parent__isnull=True, code__in=INDUSTRY_SECTIONS)
    }
    return [(code, names.get(code, code)) for code in INDUSTRY_SECTIONS]


def size_class_choices() -> list[tuple[str, Any]]:
    """The engine's size classes a segment can name."""
    return [(size, SizeClass(size).label) for size in SIZE_CLASSES]


def field_for_path(path: str, fields: Mapping[str, Any]) -> str | None:
    """The editor field an engine :class:`ScorecardError` path points at, if the form has it."""
    for pattern, template in _PATH_FIELDS:
        match = pattern.match(path)
        if match:
            name = template.format(*match.groups())
            return name if name in fields else None
    match = _NUMERIC_BIN_PATH.match(path)
    if match:
        i, j = (int(group) for group in match.groups())
        for name in (f"c_{i}_{j - 1}", f"c_{i}_{j}"):  # the bin's lower bound, else its upper
            if name in fields:
                return name
    return None


def _posted_count(data: Mapping[str, Any] | None, index: int, default: int) -> int:
    """The number of bins of factor ``index`` in the user's input (the card's when absent)."""
    if data is None:
        return default
    try:
        count = int(data.get(f"bins_{index}", ""))
    except (TypeError, ValueError):
        return default
    return min(max(count, 1), MAX_BINS)


def apply_bin_action(
    data: QueryDict | MultiValueDict[str, Any], action: str, factors: Sequence[ExpertFactor]
) -> QueryDict:
    """A copy of the posted ``data`` with one bin split, removed or added; unchanged if the
    action is unknown or not possible (removing the only bin, more than ``MAX_BINS`` bins).

    ``split-<i>-<j>``: numeric bin ``j`` becomes two; the new bound is empty for the user to
    fill and the new bin starts with the split bin's score. ``remove-<i>-<j>``: a numeric bin
    merges into the next one (the last into the previous one); a categorical bin's categories
    fall to "other". ``add-<i>``: an empty categorical bin at the end.
    """
    edited = QueryDict(mutable=True)
    for key, values in data.lists():
        if key != BIN_ACTION:
            edited.setlist(key, list(values))
    match = _ACTION.match(action)
    if match is None or int(match.group(2)) >= len(factors):
        return edited
    kind, i = match.group(1), int(match.group(2))
    j = int(match.group(3)) if match.group(3) is not None else None
    factor = factors[i]
    numeric = factor.type == "numeric"
    count = _posted_count(data, i, len(factor.bins))
    scores = [edited.get(f"s_{i}_{k}", "") for k in range(count)]
    bounds = [edited.get(f"c_{i}_{k}", "") for k in range(count - 1)]
    categories = [edited.getlist(f"cat_{i}_{k}") for k in range(count)]
    if kind == "remove" and j is not None and j < count and count > 1:
        del scores[j], categories[j]
        if numeric:
            del bounds[j if j < count - 1 else j - 1]
    elif kind == "split" and numeric and j is not None and j < count < MAX_BINS:
        scores.insert(j + 1, scores[j])
        bounds.insert(j, "")
    elif kind == "add" and not numeric and j is None and count < MAX_BINS:
        scores.append("")
        categories.append([])
    else:
        return edited
    for k in range(count):
        for name in (f"s_{i}_{k}", f"c_{i}_{k}", f"cat_{i}_{k}"):
            edited.pop(name, None)
    for k, score in enumerate(scores):
        edited[f"s_{i}_{k}"] = score
        if not numeric:
            edited.setlist(f"cat_{i}_{k}", categories[k])
    if numeric:
        for k, bound in enumerate(bounds):
            edited[f"c_{i}_{k}"] = bound
    edited[f"bins_{i}"] = str(len(scores))
    return edited


def _number_field(
    label: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    required: bool = True,
) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        required=required,
        widget=forms.NumberInput(attrs={"step": "any", "class": "num-input"}),
    )


class ScorecardEditorForm(forms.Form):
    """Weights, bins (bounds or categories) with scores 0..100, other score and missing rule per
    factor, the segment and the grade cut-offs of an expert card; a valid form builds the next
    version (or version 1 of a new key) with ``expert_scorecard``."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    notes = forms.CharField(
        label=gettext_lazy("What changed and why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say what changed and why.")},
    )
    seg_sections = forms.MultipleChoiceField(
        label=gettext_lazy("Industry sections (GB/T 4754)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: any industry."),
    )
    seg_sizes = forms.MultipleChoiceField(
        label=gettext_lazy("Size classes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: any size."),
    )
    new_key = forms.SlugField(
        label=gettext_lazy("New scorecard key (for a variant)"),
        max_length=50,
        required=False,
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        version: ScorecardVersion,
        next_version: int,
        draft: QueryDict | None = None,
        **kwargs: Any,
    ) -> None:
        """``data`` binds the form (a save); ``draft`` only pre-fills an unbound form with the
        user's input after a bin action, without validating it."""
        self.version = version
        self.next_version = next_version
        self.card: Scorecard = selectors.engine_scorecard(version)
        self.factors = expert_factors(self.card)
        self.scale = selectors.grade_scale_for(version)
        source = data if data is not None else draft
        self.bin_counts = [
            _posted_count(source, i, len(factor.bins)) for i, factor in enumerate(self.factors)
        ]
        super().__init__(data, **kwargs)
        self._set_initial_card_values()
        self.fields["seg_sections"].choices = industry_section_choices()  # type: ignore[attr-defined]
        self.fields["seg_sizes"].choices = size_class_choices()  # type: ignore[attr-defined]
        self.fields["new_key"].help_text = _(
            "Empty: saves version %(version)s of %(key)s. A new key starts a separate scorecard "
            "(version 1) next to this one: the way to build a variant for a segment."
        ) % {"version": next_version, "key": self.card.key}
        for i, factor in enumerate(self.factors):
            self._add_factor_fields(i, factor)
        for grade in self.scale.grades[:-1]:
            self.fields[f"g_{grade.code}"] = _number_field(grade.code)
            self.initial.setdefault(f"g_{grade.code}", grade.min_score)
        if draft is not None:
            for name, field in self.fields.items():
                self.initial[name] = field.widget.value_from_datadict(draft, {}, name)
        self.built_card: Scorecard | None = None
        self.built_scale: GradeScale | None = None

    @classmethod
    def with_bin_action(
        cls, data: QueryDict, action: str, *, version: ScorecardVersion, next_version: int
    ) -> ScorecardEditorForm:
        """An unbound form showing the user's input with one bin split, removed or added."""
        factors = expert_factors(selectors.engine_scorecard(version))
        return cls(
            version=version,
            next_version=next_version,
            draft=apply_bin_action(data, action, factors),
        )

    def _set_initial_card_values(self) -> None:
        self.initial.setdefault("name", self.card.name)
        segment = self.card.segment
        if segment is not None:
            self.initial.setdefault("seg_sections", list(segment.industry_sections or ()))
            self.initial.setdefault("seg_sizes", list(segment.sizes or ()))

    def _add_factor_fields(self, i: int, factor: ExpertFactor) -> None:
        label = feature_label(factor.key)
        count = self.bin_counts[i]
        self.fields[f"w_{i}"] = _number_field(label, minimum=0.0, maximum=1.0)
        self.initial.setdefault(f"w_{i}", factor.weight)
        choices: list[tuple[str, Any]] = []
        if factor.type == "categorical":
            used = [c for item in factor.bins for c in getattr(item, "categories", ())]
            choices = category_choices(factor.key, used)
        for j in range(count):
            item = factor.bins[j] if j < len(factor.bins) else None
            self.fields[f"s_{i}_{j}"] = _number_field(label, minimum=0.0, maximum=100.0)
            if item is not None:
                self.initial.setdefault(f"s_{i}_{j}", item.score)
            if factor.type == "numeric" and j < count - 1:
                self.fields[f"c_{i}_{j}"] = _number_field(label)
                if item is not None and j < len(factor.bins) - 1:
                    self.initial.setdefault(f"c_{i}_{j}", getattr(item, "upper", None))
            if factor.type == "categorical":
                self.fields[f"cat_{i}_{j}"] = forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    error_messages={
                        "required": gettext_lazy("Tick at least one category, or remove the bin.")
                    },
                )
                if item is not None:
                    self.initial.setdefault(f"cat_{i}_{j}", list(getattr(item, "categories", ())))
        if factor.type == "categorical":
            self.fields[f"o_{i}"] = _number_field(
                label, minimum=0.0, maximum=100.0, required=False
            )
            self.initial.setdefault(f"o_{i}", factor.other_score)
        self.fields[f"mr_{i}"] = forms.ChoiceField(
            label=label,
            choices=[(rule, presenters.MISSING_RULE_LABELS[rule]) for rule in MISSING_RULES],
            widget=forms.Select(
                attrs={"aria-label": _("%(factor)s: missing rule") % {"factor": label}}
            ),
        )
        self.initial.setdefault(f"mr_{i}", factor.missing_rule)
        self.fields[f"m_{i}"] = _number_field(label, minimum=0.0, maximum=100.0, required=False)
        self.initial.setdefault(f"m_{i}", factor.missing_score)

    # -- rows for the template -----------------------------------------------------------------

    def _optional(self, name: str) -> forms.BoundField | None:
        return self[name] if name in self.fields else None

    def factor_rows(self) -> list[dict[str, Any]]:
        """Each factor with its bound fields, its bins and the bin actions they offer."""
        rows = []
        for i, factor in enumerate(self.factors):
            count = self.bin_counts[i]
            bins = [
                {
                    "number": j + 1,
                    "score": self[f"s_{i}_{j}"],
                    "bound": self._optional(f"c_{i}_{j}"),
                    "categories": self._optional(f"cat_{i}_{j}"),
                    "split": f"split-{i}-{j}"
                    if factor.type == "numeric" and count < MAX_BINS
                    else None,
                    "remove": f"remove-{i}-{j}" if count > 1 else None,
                }
                for j in range(count)
            ]
            rows.append(
                {
                    "index": i,
                    "key": factor.key,
                    "label": feature_label(factor.key),
                    "dimension": presenters.dimension_label(factor.dimension),
                    "type": factor.type,
                    "count": count,
                    "weight": self[f"w_{i}"],
                    "bins": bins,
                    "add": f"add-{i}"
                    if factor.type == "categorical" and count < MAX_BINS
                    else None,
                    "other": self._optional(f"o_{i}"),
                    "missing_rule": self[f"mr_{i}"],
                    "missing": self[f"m_{i}"],
                }
            )
        return rows

    def grade_rows(self) -> list[dict[str, Any]]:
        """Each grade with its cut-off field (none for the lowest grade) and PD."""
        return [
            {
                "badge": presenters.grade_badge(grade.code),
                "field": self._optional(f"g_{grade.code}"),
                "pd": grade.pd,
            }
            for grade in self.scale.grades
        ]

    def weight_total(self) -> float | None:
        """The sum of the weights as entered (None while one of them is not a number)."""
        data = getattr(self, "cleaned_data", None)
        weights = []
        for i in range(len(self.factors)):
            value = data.get(f"w_{i}") if data is not None else self.initial.get(f"w_{i}")
            if value is None or value == "":
                return None
            try:
                weights.append(float(value))
            except (TypeError, ValueError):
                return None
        return round(sum(weights), 6)

    # -- validation ----------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_weights(data)
        for i, factor in enumerate(self.factors):
            if factor.type == "numeric":
                self._check_bounds(i, data)
            else:
                self._check_categories(i, data)
            rule_needs_score = data.get(f"mr_{i}") == "points" and f"m_{i}" not in self.errors
            if rule_needs_score and data.get(f"m_{i}") is None:
                self.add_error(
                    f"m_{i}", _("Give the score for a missing value (the rule is fixed points).")
                )
        self._check_grades(data)
        self._check_key_and_segment(data)
        if not self.errors:
            self._build(data)
        return data

    def _check_weights(self, data: dict[str, Any]) -> None:
        weights = [data.get(f"w_{i}") for i in range(len(self.factors))]
        for i, weight in enumerate(weights):
            if weight is not None and weight <= 0:
                self.add_error(f"w_{i}", _("A weight must be above 0."))
        if all(weight is not None for weight in weights):
            total = sum(weight for weight in weights if weight is not None)
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                self.add_error(
                    None,
                    _("The weights sum to %(total)s; they must sum to 1.")
                    % {"total": f"{total:.6g}"},
                )

    def _check_bounds(self, i: int, data: dict[str, Any]) -> None:
        """Numeric bounds strictly increase within a factor."""
        previous = None
        for j in range(self.bin_counts[i] - 1):
            value = data.get(f"c_{i}_{j}")
            if value is None:
                continue
            if previous is not None and value <= previous:
                self.add_error(
                    f"c_{i}_{j}",
                    _("Each bound must be above the previous one (%(previous)s).")
                    % {"previous": f"{previous:g}"},
                )
            previous = value

    def _check_categories(self, i: int, data: dict[str, Any]) -> None:
        """Every category in at most one bin of the factor."""
        field = self.fields[f"cat_{i}_{0}"]
        labels = dict(getattr(field, "choices", ()))
        first_bin: dict[str, int] = {}
        for j in range(self.bin_counts[i]):
            taken = []
            for category in data.get(f"cat_{i}_{j}") or ():
                if category in first_bin:
                    taken.append(
                        _("%(category)s is already in bin %(number)s.")
                        % {"category": labels.get(category, category),
                           "number": first_bin[category] + 1}
                    )
                else:
                    first_bin[category] = j
            if taken:
                self.add_error(f"cat_{i}_{j}", taken)

    def _check_grades(self, data: dict[str, Any]) -> None:
        """Grade cut-offs strictly decrease from the best grade."""
        previous_cut: tuple[str, float] | None = None
        for grade in self.scale.grades[:-1]:
            value = data.get(f"g_{grade.code}")
            if value is None:
                continue
            if previous_cut is not None and value >= previous_cut[1]:
                self.add_error(
                    f"g_{grade.code}",
                    _("Must be below the minimum score of %(grade)s (%(score)s).")
                    % {"grade": previous_cut[0], "score": f"{previous_cut[1]:g}"},
                )
            previous_cut = (grade.code, value)

    def _check_key_and_segment(self, data: dict[str, Any]) -> None:
        new_key = data.get("new_key")
        if new_key and presenters.next_scorecard_version(new_key) != 1:
            self.add_error("new_key", _("A scorecard with this key already exists."))
        # The default card (no segment) scores everybody no other card claims: narrowing it
        # would leave those customers without a scorecard once the draft is activated.
        narrowed = bool(data.get("seg_sections") or data.get("seg_sizes"))
        if self.card.segment is None and narrowed and not new_key and "new_key" not in self.errors:
            self.add_error(
                "new_key",
                _("This is the default scorecard (all customers): with a segment, the customers "
                  "outside it would have no scorecard. Give the variant a new key."),
            )

    # -- building the card ---------------------------------------------------------------------

    def _segment_from(self, data: dict[str, Any]) -> Segment | None:
        # In the engine's order, whatever order the browser posted them in.
        sections = tuple(c for c in INDUSTRY_SECTIONS if c in (data.get("seg_sections") or ()))
        sizes = tuple(c for c in SIZE_CLASSES if c in (data.get("seg_sizes") or ()))
        if not sections and not sizes:
            return None
        return Segment(industry_sections=sections or None, sizes=sizes or None)

    def _bins_from(self, i: int, data: dict[str, Any]) -> tuple[ScoredRange | ScoredCategories, ...]:
        factor = self.factors[i]
        count = self.bin_counts[i]
        bins: list[ScoredRange | ScoredCategories] = []
        for j in range(count):
            score = data[f"s_{i}_{j}"]
            if factor.type == "numeric":
                lower = None if j == 0 else data[f"c_{i}_{j - 1}"]
                upper = None if j == count - 1 else data[f"c_{i}_{j}"]
                bins.append(ScoredRange(lower, upper, score))
            else:
                # Categories in the order they are offered, whatever order they were posted in.
                order = [value for value, _label in self.fields[f"cat_{i}_{j}"].choices]  # type: ignore[attr-defined]
                chosen = set(data[f"cat_{i}_{j}"])
                bins.append(ScoredCategories(tuple(c for c in order if c in chosen), score))
        return tuple(bins)

    def _factors_from(self, data: dict[str, Any]) -> list[ExpertFactor]:
        built = []
        for i, factor in enumerate(self.factors):
            rule = data[f"mr_{i}"]
            built.append(
                ExpertFactor(
                    key=factor.key,
                    dimension=factor.dimension,
                    label=factor.label,
                    type=factor.type,
                    weight=data[f"w_{i}"],
                    bins=self._bins_from(i, data),
                    missing_rule=rule,
                    missing_score=data.get(f"m_{i}") if rule == "points" else None,
                    other_score=data.get(f"o_{i}") if factor.type == "categorical" else None,
                )
            )
        return built

    def _build(self, data: dict[str, Any]) -> None:
        new_key = data.get("new_key") or ""
        meta = dict(self.card.meta)
        meta.update(
            created=timezone.localdate().isoformat(),
            based_on_version=self.card.version,
        )
        if new_key:
            meta["based_on_key"] = self.card.key
        try:
            self.built_card = expert_scorecard(
                key=new_key or self.card.key,
                version=1 if new_key else self.next_version,
                name=data["name"],
                factors=self._factors_from(data),
                segment=self._segment_from(data),
                meta=meta,
            )
        except ScorecardError as error:
            # A check only the engine makes: shown on its field when the path names one.
            field = field_for_path(error.path, self.fields)
            problem = error.problem if field else str(error)
            self.add_error(field, _("The scorecard is invalid: %(problem)s") % {"problem": problem})
            return
        scale_data = self.scale.to_dict()
        grades = scale_data["grades"]
        assert isinstance(grades, list)
        for grade in grades:
            name = f"g_{grade['code']}"
            if name in data:
                grade["min_score"] = data[name]
        try:
            self.built_scale = GradeScale.from_dict(scale_data)
        except GradeError as error:
            self.add_error(None, _("The grade scale is invalid: %(problem)s") % {"problem": error})

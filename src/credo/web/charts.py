"""Small server-rendered SVG charts: a gauge, grouped bars and lines over categories.

No JavaScript and no third-party code: each function returns one ``<svg>`` element as a safe
string, ready for a template (``{{ chart }}``). Geometry uses SVG attributes only and colours come
from CSS classes (``chart-*`` in credo.css), so the strict CSP (no inline ``style``) holds.
Every chart has a ``<title>`` and an ``aria-label`` so that screen readers get the figures.

API:

- ``gauge(percent, label=..., warn_above=..., block_above=...)``: a half-circle gauge of a
  percentage (0 to ``maximum``); the arc's class follows the thresholds (ok / warn / bad).
- ``bar_chart(categories, series, title=...)``: grouped vertical bars, one group per category.
- ``line_chart(categories, series, title=...)``: one polyline per series; ``None`` values
  break the line.

Values are ``Decimal``/``int``/``float`` or ``None`` (missing). Labels are escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

Number = Decimal | int | float

# Drawing area of the series charts (user units; the SVG scales to its container).
WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 64
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 44
GRID_LINES = 4


@dataclass(frozen=True)
class Series:
    """One named series of a bar or line chart; ``css_class`` picks its colour (chart-s1 ...)."""

    name: str
    values: Sequence[Number | None]
    css_class: str = "chart-s1"


def _fmt(value: float) -> str:
    """A coordinate with at most 2 decimals (keeps the markup short and stable in tests)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _label_number(value: float) -> str:
    """Axis labels: grouped thousands, no decimals for large figures."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value`` (a readable axis top)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _svg_open(title: str, width: int, height: int, css_class: str) -> str:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>',
        css_class,
        width,
        height,
        title,
        title,
    )


# --- gauge ------------------------------------------------------------------------------------


def gauge_level(percent: Number | None, *, warn_above: Number, block_above: Number) -> str:
    """``ok``, ``warn`` or ``bad`` for a percentage against the two thresholds; ``none``."""
    if percent is None:
        return "none"
    if percent > block_above:
        return "bad"
    if percent > warn_above:
        return "warn"
    return "ok"


_GAUGE_CX, _GAUGE_CY, _GAUGE_RADIUS = 100.0, 100.0, 80.0


def _gauge_point(fraction: float, radius: float = _GAUGE_RADIUS) -> tuple[float, float]:
    """A point on the half circle: fraction 0 = left end, 1 = right end."""
    angle = math.pi * (1 - fraction)
    return _GAUGE_CX + radius * math.cos(angle), _GAUGE_CY - radius * math.sin(angle)


def _gauge_arc(fraction: float) -> str:
    """SVG path of the half circle from its left end to ``fraction``."""
    x0, y0 = _gauge_point(0)
    x1, y1 = _gauge_point(fraction)
    r = _fmt(_GAUGE_RADIUS)
    return f"M {_fmt(x0)} {_fmt(y0)} A {r} {r} 0 0 1 {_fmt(x1)} {_fmt(y1)}"


def _gauge_texts(shown: str, label: str) -> list[str]:
    """The figure in the middle of a gauge and its label under it."""
    return [
        format_html(
            '<text class="gauge-figure" x="100" y="92" text-anchor="middle">{}</text>', shown
        ),
        format_html(
            '<text class="gauge-label" x="100" y="118" text-anchor="middle">{}</text>', label
        ),
    ]


def gauge(
    percent: Number | None,
    *,
    label: str,
    warn_above: Number = 80,
    block_above: Number = 100,
    maximum: Number = 120,
) -> SafeString:
    """A half-circle gauge of ``percent`` (clamped to 0..``maximum``), the figure in the middle.

    Threshold ticks mark ``warn_above`` and ``block_above``; ``None`` draws an empty gauge with
    a dash (e.g. no limit to measure against).
    """
    top = float(maximum)
    arc = _gauge_arc
    level = gauge_level(percent, warn_above=warn_above, block_above=block_above)
    shown = "—" if percent is None else f"{float(percent):.1f} %"
    parts = [_svg_open(f"{label}: {shown}", 200, 125, "chart-gauge")]
    parts.append(format_html('<path class="gauge-track" d="{}"/>', arc(1)))
    if percent is not None:
        fraction = min(max(float(percent), 0.0), top) / top
        if fraction > 0:
            parts.append(
                format_html('<path class="gauge-value gauge-{}" d="{}"/>', level, arc(fraction))
            )
    for threshold in (warn_above, block_above):
        fraction = min(float(threshold) / top, 1.0)
        inner = _gauge_point(fraction, _GAUGE_RADIUS - 14)
        outer = _gauge_point(fraction, _GAUGE_RADIUS + 10)
        parts.append(
            format_html(
                '<line class="gauge-tick" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                _fmt(inner[0]),
                _fmt(inner[1]),
                _fmt(outer[0]),
                _fmt(outer[1]),
            )
        )
    parts.extend(_gauge_texts(shown, label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped by format_html


# --- bars and lines ---------------------------------------------------------------------------


def _scale(series: Sequence[Series]) -> tuple[float, float]:
    """Axis bottom and top: from 0 (or the lowest negative) to a readable ceiling."""
    values = [float(v) for item in series for v in item.values if v is not None]
    low = min([0.0, *values])
    high = max([0.0, *values])
    top = _nice_ceiling(high) if high > 0 else 0.0
    bottom = -_nice_ceiling(-low) if low < 0 else 0.0
    if top == bottom:
        top = 1.0
    return bottom, top


def _frame(
    categories: Sequence[str], bottom: float, top: float
) -> tuple[list[str], Callable[[float], float]]:
    """Grid lines, y labels and category labels; returns the parts and the y mapper."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def y_of(value: float) -> float:
        return MARGIN_TOP + (top - value) / (top - bottom) * plot_height

    parts: list[str] = []
    for index in range(GRID_LINES + 1):
        value = bottom + (top - bottom) * index / GRID_LINES
        y = y_of(value)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                MARGIN_LEFT,
                _fmt(y),
                WIDTH - MARGIN_RIGHT,
                _fmt(y),
                MARGIN_LEFT - 6,
                _fmt(y + 4),
                _label_number(value),
            )
        )
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(categories), 1)
    for index, category in enumerate(categories):
        x = MARGIN_LEFT + slot * (index + 0.5)
        parts.append(
            format_html(
                '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _fmt(x),
                HEIGHT - MARGIN_BOTTOM + 16,
                category,
            )
        )
    return parts, y_of


def _legend(series: Sequence[Series]) -> list[str]:
    parts: list[str] = []
    x = MARGIN_LEFT
    y = HEIGHT - 10
    for item in series:
        parts.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="10" height="10"/>'
                '<text class="chart-legend" x="{}" y="{}">{}</text>',
                item.css_class,
                x,
                y - 9,
                x + 14,
                y,
                item.name,
            )
        )
        x += 24 + 8 * len(item.name)
    return parts


def _value_title(series: Series, category: str, value: Number | None) -> str:
    shown = "—" if value is None else _label_number(float(value))
    return escape(f"{series.name} {category}: {shown}")


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, title: str) -> SafeString:
    """Grouped vertical bars: one group per category, one bar per series (None = no bar)."""
    bottom, top = _scale(series)
    parts = [_svg_open(title, WIDTH, HEIGHT, "chart-bars")]
    frame, y_of = _frame(categories, bottom, top)
    parts.extend(frame)
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(categories), 1)
    group_width = slot * 0.8
    bar_width = group_width / max(len(series), 1)
    zero = y_of(0.0)
    for index, category in enumerate(categories):
        left = MARGIN_LEFT + slot * index + (slot - group_width) / 2
        for number, item in enumerate(series):
            value = item.values[index] if index < len(item.values) else None
            if value is None:
                continue
            y = y_of(float(value))
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}</title></rect>",
                    item.css_class,
                    _fmt(left + bar_width * number),
                    _fmt(min(y, zero)),
                    _fmt(bar_width * 0.9),
                    _fmt(abs(zero - y)),
                    _value_title(item, category, value),
                )
            )
    parts.extend(_legend(series))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped by format_html


def line_chart(categories: Sequence[str], series: Sequence[Series], *, title: str) -> SafeString:
    """One line per series over the categories, with a dot per value; None breaks the line."""
    bottom, top = _scale(series)
    parts = [_svg_open(title, WIDTH, HEIGHT, "chart-lines")]
    frame, y_of = _frame(categories, bottom, top)
    parts.extend(frame)
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(categories), 1)
    for item in series:
        runs: list[list[tuple[float, float]]] = [[]]
        dots = []
        for index, category in enumerate(categories):
            value = item.values[index] if index < len(item.values) else None
            if value is None:
                runs.append([])
                continue
            point = (MARGIN_LEFT + slot * (index + 0.5), y_of(float(value)))
            runs[-1].append(point)
            dots.append(
                format_html(
                    '<circle class="{}" cx="{}" cy="{}" r="3"><title>{}</title></circle>',
                    item.css_class,
                    _fmt(point[0]),
                    _fmt(point[1]),
                    _value_title(item, category, value),
                )
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)
                parts.append(
                    format_html(
                        '<polyline class="chart-line {}" points="{}"/>', item.css_class, points
                    )
                )
        parts.extend(dots)
    parts.extend(_legend(series))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped by format_html


# --- rating: score gauge and score history with grade bands -----------------------------------


def score_gauge(
    score: Number | None,
    *,
    minimum: Number,
    maximum: Number,
    label: str,
    level: str = "none",
) -> SafeString:
    """A half-circle gauge of a score between ``minimum`` and ``maximum`` (e.g. 0..1000).

    ``level`` picks the arc's CSS class (``gauge-grade-a`` ... ``-d``, set from the grade's
    class); the score is printed in the middle and ``label`` (e.g. the grade) under it.
    """
    low, high = float(minimum), float(maximum)
    span = high - low if high > low else 1.0
    arc = _gauge_arc

    shown = "—" if score is None else _label_number(float(score))
    parts = [_svg_open(f"{label}: {shown}", 200, 125, "chart-gauge chart-score")]
    parts.append(format_html('<path class="gauge-track" d="{}"/>', arc(1)))
    if score is not None:
        fraction = min(max((float(score) - low) / span, 0.0), 1.0)
        if fraction > 0:
            parts.append(
                format_html(
                    '<path class="gauge-value gauge-grade-{}" d="{}"/>', level, arc(fraction)
                )
            )
    for text, x in ((_label_number(low), 20), (_label_number(high), 180)):
        parts.append(
            format_html(
                '<text class="gauge-label" x="{}" y="118" text-anchor="middle">{}</text>', x, text
            )
        )
    parts.extend(_gauge_texts(shown, label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped by format_html


@dataclass(frozen=True)
class Band:
    """A horizontal band of a history chart (e.g. a grade's score range); None = open end."""

    name: str
    lower: Number | None
    upper: Number | None
    css_class: str


def band_line_chart(
    categories: Sequence[str],
    values: Sequence[Number | None],
    *,
    bands: Sequence[Band],
    minimum: Number,
    maximum: Number,
    title: str,
    series_name: str,
    point_labels: Sequence[str] | None = None,
) -> SafeString:
    """One line over ``categories`` on a fixed axis ``minimum..maximum``, drawn over shaded
    horizontal ``bands`` (each named at the right edge); ``point_labels`` add to each dot's
    tooltip (e.g. the grade)."""
    low, high = float(minimum), float(maximum)
    if high <= low:
        high = low + 1.0
    plot_top = MARGIN_TOP
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    right = WIDTH - MARGIN_RIGHT - 28  # room for the band names

    def y_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return plot_top + (high - clamped) / (high - low) * (plot_bottom - plot_top)

    parts = [_svg_open(title, WIDTH, HEIGHT, "chart-lines chart-bands")]
    for band in bands:
        top = high if band.upper is None else float(band.upper)
        bottom = low if band.lower is None else float(band.lower)
        if top <= low or bottom >= high or top <= bottom:
            continue
        y_top, y_bottom = y_of(top), y_of(bottom)
        parts.append(
            format_html(
                '<rect class="chart-band {}" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}</title></rect>"
                '<text class="chart-band-label" x="{}" y="{}">{}</text>',
                band.css_class,
                MARGIN_LEFT,
                _fmt(y_top),
                _fmt(right - MARGIN_LEFT),
                _fmt(y_bottom - y_top),
                band.name,
                _fmt(right + 4),
                _fmt((y_top + y_bottom) / 2 + 4),
                band.name,
            )
        )
    for index in range(GRID_LINES + 1):
        value = low + (high - low) * index / GRID_LINES
        y = y_of(value)
        parts.append(
            format_html(
                '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                MARGIN_LEFT - 6,
                _fmt(y + 4),
                _label_number(value),
            )
        )
    slot = (right - MARGIN_LEFT) / max(len(categories), 1)
    points: list[tuple[float, float]] = []
    dots: list[str] = []
    for index, category in enumerate(categories):
        x = MARGIN_LEFT + slot * (index + 0.5)
        parts.append(
            format_html(
                '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _fmt(x),
                HEIGHT - MARGIN_BOTTOM + 16,
                category,
            )
        )
        raw = values[index] if index < len(values) else None
        if raw is None:
            continue
        value = float(raw)
        y = y_of(value)
        points.append((x, y))
        extra = point_labels[index] if point_labels and index < len(point_labels) else ""
        tooltip = f"{series_name} {category}: {_label_number(value)}"
        dots.append(
            format_html(
                '<circle class="chart-s1" cx="{}" cy="{}" r="4"><title>{}</title></circle>',
                _fmt(x),
                _fmt(y),
                f"{tooltip} {extra}".strip(),
            )
        )
    if len(points) > 1:
        parts.append(
            format_html(
                '<polyline class="chart-line chart-s1" points="{}"/>',
                " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points),
            )
        )
    parts.extend(dots)
    parts.append(
        format_html(
            '<rect class="chart-s1" x="{}" y="{}" width="10" height="10"/>'
            '<text class="chart-legend" x="{}" y="{}">{}</text>',
            MARGIN_LEFT,
            HEIGHT - 19,
            MARGIN_LEFT + 14,
            HEIGHT - 10,
            series_name,
        )
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped by format_html

"""A small SVG chart renderer for the organisers' dashboard: pure functions, markup out.

Each function returns one `<svg role="img" aria-labelledby="…">` with a `<title>` and a `<desc>`,
as a `SafeString`: every piece of text that goes in is XML-escaped here, so callers pass plain
strings (already formatted for the reader's language; this module knows nothing of languages).
Colours and type come from static/registrations/dashboard.css through classes; only geometry is
written as attributes. Nothing is interactive, and the figures are meant to be read together
with the data table the dashboard prints under each chart.

- `render_line_chart`: several series of (x, y) points, with optional horizontal reference lines
  (a session's capacity);
- `render_bar_chart`: horizontal bars, grouped when there are several series;
- `render_stacked_bar_chart`: horizontal bars whose segments add up to 100 %;
- `render_funnel_chart`: per category, the stages of a funnel drawn as nested bars, each stage a
  part of the one before, with a text label (the rates) at the end of each row.
"""

import dataclasses
import math
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
# Roughly the width of one character of the chart text (12 user units), for laying out labels.
CHAR_WIDTH = 7.4
LABEL_MAX_CHARS = 34
ROW_HEIGHT = 22
BAR_GAP = 3


@dataclasses.dataclass(frozen=True)
class LineSeries:
    name: str
    points: Sequence[tuple[float, float]]
    css_class: str = "chart-series-1"


@dataclasses.dataclass(frozen=True)
class ReferenceLine:
    label: str
    value: float
    css_class: str = "chart-reference"


@dataclasses.dataclass(frozen=True)
class BarSeries:
    name: str
    values: Sequence[float]
    css_class: str = "chart-series-1"


def _text(value: str) -> str:
    return escape(str(value))


def _attr(value: str) -> str:
    return quoteattr(str(value))


def _number(value: float) -> str:
    """A coordinate, short: 12.5 not 12.500000001."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def shorten(label: str, limit: int = LABEL_MAX_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum` (1, 2, 2.5 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1 and float(maximum).is_integer():
        step = 1
    top = math.ceil(maximum / step) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _open(chart_id: str, title: str, description: str, *, width: float, height: float, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class={_attr("chart " + css_class)} role="img" '
        f'viewBox="0 0 {_number(width)} {_number(height)}" '
        f'aria-labelledby={_attr(f"{chart_id}-title {chart_id}-desc")}>',
        f"<title id={_attr(chart_id + '-title')}>{_text(title)}</title>",
        f"<desc id={_attr(chart_id + '-desc')}>{_text(description)}</desc>",
    ]


def _legend(
    items: Sequence[tuple[str, str]], x: float, y: float, *, line: bool = False, width: float = WIDTH
) -> list[str]:
    """A legend of (name, css class) from (x, y), wrapped to the chart's `width` (see _legend_height)."""
    chart_width = width
    parts = ['<g class="chart-legend">']
    cursor_x, cursor_y = x, y
    for name, css_class in items:
        width = 22 + len(name) * CHAR_WIDTH + 18
        if cursor_x + width > chart_width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 18
        if line:
            parts.append(
                f'<line class={_attr(css_class)} x1="{_number(cursor_x)}" y1="{_number(cursor_y - 4)}" '
                f'x2="{_number(cursor_x + 16)}" y2="{_number(cursor_y - 4)}"/>'
            )
        else:
            parts.append(
                f'<rect class={_attr(css_class)} x="{_number(cursor_x)}" y="{_number(cursor_y - 10)}" '
                'width="12" height="12"/>'
            )
        parts.append(f'<text x="{_number(cursor_x + 22)}" y="{_number(cursor_y)}">{_text(name)}</text>')
        cursor_x += width
    parts.append("</g>")
    return parts


def _legend_height(items: Sequence[tuple[str, str]], x: float, width: float = WIDTH) -> float:
    """The room the legend drawn by `_legend(items, x, …)` takes, by the same wrapping rule."""
    if not items:
        return 0
    lines, cursor = 1, x
    for name, _css in items:
        item_width = 22 + len(name) * CHAR_WIDTH + 18
        if cursor + item_width > width and cursor > x:
            lines, cursor = lines + 1, x
        cursor += item_width
    return lines * 18 + 8


def render_line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[LineSeries],
    references: Sequence[ReferenceLine] = (),
    x_label: str,
    y_label: str,
    format_x: Callable[[float], str],
    format_y: Callable[[float], str],
    width: float = WIDTH,
    height: float = 300,
) -> SafeString:
    """Lines through each series' points (x ascending), on shared axes starting at 0 for y.

    The legend names the series when there are several (one is named by the y label) and the
    reference lines."""
    xs = [x for line in series for x, _y in line.points] or [0, 1]
    ys = [y for line in series for _x, y in line.points] + [ref.value for ref in references]
    x_min, x_max = min(xs), max(xs)
    if x_max == x_min:
        x_max = x_min + 1
    y_ticks = nice_ticks(max(ys, default=0))
    y_max = y_ticks[-1]
    legend = [(line.name, line.css_class) for line in series] if len(series) > 1 else []
    legend += [(ref.label, ref.css_class) for ref in references]
    left = 12 + max(len(format_y(tick)) for tick in y_ticks) * CHAR_WIDTH
    top, right = 22 + _legend_height(legend, left, width), 16
    bottom = 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x_min) / (x_max - x_min) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (y / y_max) * plot_h

    parts = _open(chart_id, title, description, width=width, height=height, css_class="chart-line")
    parts += _legend(legend, left, 18, line=True, width=width)
    parts.append('<g class="chart-grid">')
    for tick in y_ticks:
        parts.append(
            f'<line x1="{_number(left)}" y1="{_number(py(tick))}" x2="{_number(left + plot_w)}" '
            f'y2="{_number(py(tick))}"/>'
        )
    parts.append("</g>")
    parts.append('<g class="chart-axis chart-axis-y">')
    for tick in y_ticks:
        parts.append(
            f'<text x="{_number(left - 6)}" y="{_number(py(tick) + 4)}" text-anchor="end">'
            f"{_text(format_y(tick))}</text>"
        )
    parts.append("</g>")
    x_ticks = nice_ticks(x_max - x_min) if x_min == 0 else _span_ticks(x_min, x_max)
    parts.append('<g class="chart-axis chart-axis-x">')
    parts.append(
        f'<line x1="{_number(left)}" y1="{_number(top + plot_h)}" x2="{_number(left + plot_w)}" '
        f'y2="{_number(top + plot_h)}"/>'
    )
    for tick in x_ticks:
        if x_min <= tick <= x_max:
            parts.append(
                f'<text x="{_number(px(tick))}" y="{_number(top + plot_h + 16)}" text-anchor="middle">'
                f"{_text(format_x(tick))}</text>"
            )
    parts.append(
        f'<text class="chart-axis-label" x="{_number(left + plot_w / 2)}" y="{_number(height - 6)}" '
        f'text-anchor="middle">{_text(x_label)}</text>'
    )
    parts.append("</g>")
    parts.append(
        f'<text class="chart-axis-label" x="{_number(left)}" y="{_number(top - 6)}" text-anchor="start">'
        f"{_text(y_label)}</text>"
    )
    for ref in references:
        parts.append(
            f'<line class={_attr(ref.css_class)} x1="{_number(left)}" y1="{_number(py(ref.value))}" '
            f'x2="{_number(left + plot_w)}" y2="{_number(py(ref.value))}"/>'
        )
    for line in series:
        if not line.points:
            continue
        coordinates = " ".join(f"{_number(px(x))},{_number(py(y))}" for x, y in line.points)
        parts.append(f'<polyline class={_attr(line.css_class)} fill="none" points="{coordinates}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped by _text/_attr)


def _span_ticks(x_min: float, x_max: float) -> list[float]:
    ticks = nice_ticks(x_max - x_min)
    step = ticks[1] - ticks[0]
    start = math.floor(x_min / step) * step
    return [start + i * step for i in range(len(ticks) + 2)]


def _label_width(categories: Sequence[str]) -> float:
    return 16 + max((len(shorten(label)) for label in categories), default=0) * CHAR_WIDTH


def render_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    format_value: Callable[[float], str],
) -> SafeString:
    """Horizontal bars, one group per category, one bar per series, each labelled with its value."""
    legend = [(bar.name, bar.css_class) for bar in series] if len(series) > 1 else []
    left = _label_width(categories)
    top = 12 + _legend_height(legend, left)
    value_room = 12 + max(
        (len(format_value(value)) for bar in series for value in bar.values), default=1
    ) * CHAR_WIDTH
    plot_w = WIDTH - left - value_room
    bar_h = ROW_HEIGHT - 6 if len(series) == 1 else 14
    group_h = len(series) * (bar_h + BAR_GAP) + 10
    height = top + group_h * len(categories) + 8
    maximum = max((value for bar in series for value in bar.values), default=0) or 1

    parts = _open(chart_id, title, description, width=WIDTH, height=height, css_class="chart-bars")
    if len(series) > 1:
        parts += _legend(legend, left, 18)
    for index, category in enumerate(categories):
        y0 = top + index * group_h
        parts.append(
            f'<text class="chart-category" x="{_number(left - 8)}" y="{_number(y0 + group_h / 2)}" '
            f'text-anchor="end">{_text(shorten(category))}</text>'
        )
        for position, bar in enumerate(series):
            value = bar.values[index]
            y = y0 + 5 + position * (bar_h + BAR_GAP)
            width = value / maximum * plot_w
            parts.append(
                f'<rect class={_attr(bar.css_class)} x="{_number(left)}" y="{_number(y)}" '
                f'width="{_number(width)}" height="{_number(bar_h)}"/>'
            )
            parts.append(
                f'<text class="chart-value" x="{_number(left + width + 4)}" y="{_number(y + bar_h - 3)}">'
                f"{_text(format_value(value))}</text>"
            )
    parts.append(
        f'<line class="chart-baseline" x1="{_number(left)}" y1="{_number(top)}" x2="{_number(left)}" '
        f'y2="{_number(height - 8)}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped by _text/_attr)


def render_stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    format_share: Callable[[float], str],
) -> SafeString:
    """One 100 % bar per category, split into the series' shares, each share labelled when wide
    enough to hold its label. A category whose values are all zero gets an empty outline."""
    legend = [(bar.name, bar.css_class) for bar in series]
    left = _label_width(categories)
    top = 12 + _legend_height(legend, left)
    plot_w = WIDTH - left - 16
    bar_h = ROW_HEIGHT - 4
    height = top + len(categories) * (bar_h + 6) + 8

    parts = _open(chart_id, title, description, width=WIDTH, height=height, css_class="chart-stacked")
    parts += _legend(legend, left, 18)
    for index, category in enumerate(categories):
        y = top + index * (bar_h + 6)
        total = sum(bar.values[index] for bar in series)
        parts.append(
            f'<text class="chart-category" x="{_number(left - 8)}" y="{_number(y + bar_h - 5)}" '
            f'text-anchor="end">{_text(shorten(category))}</text>'
        )
        if not total:
            parts.append(
                f'<rect class="chart-empty" x="{_number(left)}" y="{_number(y)}" width="{_number(plot_w)}" '
                f'height="{_number(bar_h)}"/>'
            )
            continue
        x = left
        for bar in series:
            share = bar.values[index] / total
            width = share * plot_w
            parts.append(
                f'<rect class={_attr(bar.css_class)} x="{_number(x)}" y="{_number(y)}" width="{_number(width)}" '
                f'height="{_number(bar_h)}"/>'
            )
            label = format_share(share)
            if width > len(label) * CHAR_WIDTH + 8:
                parts.append(
                    f'<text class="chart-inside" x="{_number(x + 4)}" y="{_number(y + bar_h - 5)}">'
                    f"{_text(label)}</text>"
                )
            x += width
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped by _text/_attr)


def render_funnel_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    stages: Sequence[BarSeries],
    row_labels: Sequence[str],
) -> SafeString:
    """Per category, the stages as nested bars from a shared baseline (the first, widest, at the
    back), scaled to the largest first stage, with `row_labels[i]` after the row."""
    legend = [(stage.name, stage.css_class) for stage in stages]
    left = _label_width(categories)
    top = 12 + _legend_height(legend, left)
    label_room = 12 + max((len(label) for label in row_labels), default=0) * CHAR_WIDTH
    plot_w = WIDTH - left - label_room
    bar_h = ROW_HEIGHT
    height = top + len(categories) * (bar_h + 8) + 8
    maximum = max((value for stage in stages[:1] for value in stage.values), default=0) or 1

    parts = _open(chart_id, title, description, width=WIDTH, height=height, css_class="chart-funnel")
    parts += _legend(legend, left, 18)
    for index, category in enumerate(categories):
        y = top + index * (bar_h + 8)
        parts.append(
            f'<text class="chart-category" x="{_number(left - 8)}" y="{_number(y + bar_h - 6)}" '
            f'text-anchor="end">{_text(shorten(category))}</text>'
        )
        first_width = 0.0
        for depth, stage in enumerate(stages):
            width = stage.values[index] / maximum * plot_w
            first_width = first_width or width
            inset = depth * 2  # each later stage a little thinner, so the one behind stays visible
            parts.append(
                f'<rect class={_attr(stage.css_class)} x="{_number(left)}" y="{_number(y + inset)}" '
                f'width="{_number(width)}" height="{_number(bar_h - 2 * inset)}"/>'
            )
        parts.append(
            f'<text class="chart-value" x="{_number(left + first_width + 6)}" y="{_number(y + bar_h - 6)}">'
            f"{_text(row_labels[index])}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped by _text/_attr)

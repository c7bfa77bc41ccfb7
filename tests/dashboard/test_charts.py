"""The SVG renderer: well-formed, labelled and escaped, whatever text it is given."""

import xml.etree.ElementTree as ET

from registrations import charts

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = 'A <script>alert("x")</script> & “quotes”'


def _parse(markup):
    root = ET.fromstring(str(markup))  # noqa: S314 (our own markup)
    return root, root.find(f"{SVG_NS}title").text, root.find(f"{SVG_NS}desc").text


def test_line_chart_escapes_text_and_draws_capacity():
    svg = charts.render_line_chart(
        chart_id="c1",
        title=HOSTILE,
        description=HOSTILE,
        series=[charts.LineSeries(HOSTILE, [(0, 5), (3, 40)])],
        references=[charts.ReferenceLine("Capacity: 50", 50)],
        x_label="days",
        y_label=HOSTILE,
        format_x=str,
        format_y=str,
    )

    root, title, desc = _parse(svg)
    assert (title, desc) == (HOSTILE, HOSTILE)
    assert "<script>" not in svg
    assert len(root.findall(f".//{SVG_NS}polyline")) == 1
    assert root.find(f".//{SVG_NS}line[@class='chart-reference']") is not None


def test_bar_stacked_and_funnel_charts_are_well_formed():
    bar = charts.render_bar_chart(
        chart_id="c2",
        title="Countries",
        description="d",
        categories=[HOSTILE, "B"],
        series=[charts.BarSeries("Registered", [10, 5], "chart-registered")],
        format_value=str,
    )
    stacked = charts.render_stacked_bar_chart(
        chart_id="c3",
        title="Languages",
        description="d",
        categories=["S1", "S2"],
        series=[charts.BarSeries("EN", [6, 0]), charts.BarSeries("RU", [4, 0])],
        format_share=lambda v: f"{v:.0%}",
    )
    funnel = charts.render_funnel_chart(
        chart_id="c4",
        title="Funnel",
        description="d",
        categories=["S1"],
        stages=[charts.BarSeries("Registered", [10]), charts.BarSeries("Attended", [4])],
        row_labels=["40 %"],
    )

    assert len(_parse(bar)[0].findall(f".//{SVG_NS}rect")) == 2
    assert [text.text for text in _parse(stacked)[0].iter(f"{SVG_NS}text")].count("60%") == 1
    assert _parse(stacked)[0].find(f".//{SVG_NS}rect[@class='chart-empty']") is not None  # S2 has no one
    assert _parse(funnel)[1] == "Funnel"


def test_nice_ticks_are_round():
    assert charts.nice_ticks(1480) == [0, 500, 1000, 1500]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0) == [0, 1]

"""The SVG charts: well-formed, labelled, to scale, and inert whatever the labels hold."""

import xml.etree.ElementTree as ET

from npsloop.dashboard import charts
from npsloop.domain.scores import NpsSummary

NS = {"s": "http://www.w3.org/2000/svg"}
NAMES = {"promoters": "Promoters", "passives": "Passives", "detractors": "Detractors"}


def test_the_trend_is_well_formed_with_axes_points_gaps_and_the_target():
    points = [charts.Point("2026-01", 100.0), charts.Point("2026-02", None), charts.Point("2026-03", -100.0)]
    svg = charts.nps_trend(points, 40.0, "NPS by month", "target")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"-100", "-50", "0", "50", "100", "2026-01", "2026-02", "2026-03", "+100", "target +40"} <= set(texts)
    assert len(root.findall("s:circle", NS)) == 2  # no point for the empty month
    assert root.findall("s:polyline", NS) == []  # and no line drawn across the gap
    target = root.find("s:line[@class='target']", NS)
    assert float(target.get("y1")) == charts._y(40.0)
    assert charts._y(100) == charts.TOP and charts._y(-100) == charts.HEIGHT - charts.BOTTOM
    assert root.find("s:title", NS).text == "NPS by month"


def test_the_split_stacks_to_the_full_height():
    svg = charts.category_split([("Q1", NpsSummary(2, 1, 1)), ("Q2", NpsSummary(0, 0, 0))], "Split", NAMES)
    root = ET.fromstring(svg)
    bars = [r for r in root.findall("s:rect", NS) if r.get("class")]
    assert [b.get("class") for b in bars] == ["detractors", "passives", "promoters"]
    assert sum(float(b.get("height")) for b in bars) == charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert float(bars[2].get("height")) == 2 * float(bars[0].get("height"))


def test_labels_cannot_inject_markup():
    svg = charts.nps_trend([charts.Point("<script>x</script>", 1.0)], None, "a & b", "t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)

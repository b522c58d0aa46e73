from datetime import UTC, datetime, timedelta

from npsloop.dashboard import pages
from npsloop.dashboard.i18n import words
from npsloop.domain.cases import Case
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.services.casework import CaseView

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
EN = words("en")


def test_countdowns_say_how_long_and_how_urgent():
    assert pages.countdown(NOW + timedelta(hours=3, minutes=5), NOW, EN) == ("due in 3 h 5 min", "")
    assert pages.countdown(NOW + timedelta(minutes=20), NOW, EN) == ("due in 20 min", "soon")
    assert pages.countdown(NOW - timedelta(days=2, hours=1), NOW, EN) == ("overdue by 2 d 1 h", "overdue")
    assert pages.countdown(NOW - timedelta(seconds=30), NOW, words("es")) == ("vencido hace 0 min", "overdue")


def test_figures_format():
    assert (pages.signed(33.333), pages.signed(None), pages.percent(50), pages.duration(5400)) == (
        "+33.3",
        "—",
        "50.0%",
        "1 h 30 min",
    )


def test_the_close_form_prechecks_the_complaints_or_the_last_closures_reasons():
    case = Case(customer_key="shop:c1", team_id=1, opened_at=datetime(2026, 3, 2, tzinfo=UTC), action_code="goodwill")
    tags = (ThemeTag("billing", Polarity.NEGATIVE, 0.9), ThemeTag("delivery", Polarity.POSITIVE, 0.7))
    view = CaseView(case, [], [], [], "Logistics", None, themes=tags)
    form = pages.closure_context(view, DEFAULT_TAXONOMY.themes, "en", ["refund", "goodwill"], EN)
    assert [r["key"] for r in form["reason_choices"] if r["checked"]] == ["billing"]
    assert form["actions"] == [("refund", "Refund"), ("goodwill", "goodwill")] and form["action_label"] == "goodwill"
    reopened = pages.closure_context(
        CaseView(case, [], [], [], None, None, themes=tags, reasons=("price",)), DEFAULT_TAXONOMY.themes, "es", [], {}
    )
    assert [r["key"] for r in reopened["reason_choices"] if r["checked"]] == ["price"]
    assert reopened["reasons"] == ["Precio"]

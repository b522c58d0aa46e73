from datetime import UTC, datetime, timedelta

from npsloop.dashboard import pages
from npsloop.dashboard.i18n import words

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

"""The monthly review emailed to supervisors: on the month's first business day (or a few days after, if the
beat was down), once per month and supervisor whatever runs it, in the supervisor's language, with charts
every mail client shows (HTML tables, no SVG) and a text part, and no personal data."""

from datetime import UTC, date, datetime

import pytest

from npsloop.notify.render import Renderer
from npsloop.services import directory
from npsloop.services.review_email import first_business_day, send_monthly_review
from tests.conftest import FakeTransport, at
from tests.support.review_rows import seeded_runtime


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    with seeded_runtime(tmp_path_factory.mktemp("review-email")) as rt:
        directory.add_agent(uow=rt.uow(), name="Sara", team="Logistics", phone=None, email="sara@example.es",
                            language="es", role="supervisor")  # fmt: skip
        directory.add_agent(uow=rt.uow(), name="Sam", team="Logistics", phone=None, email="sam@example.com",
                            language="en", role="head")  # fmt: skip
        yield rt


def mail(rt, when, transport):
    return send_monthly_review(
        uow=rt.uow(), transport=transport, renderer=Renderer(), now=when, default_zone="UTC",
        public_url="https://nps.example.com",
    )  # fmt: skip


def test_the_first_business_day_skips_the_weekend():
    assert first_business_day(date(2026, 12, 15)) == date(2026, 12, 1)  # a Tuesday
    assert first_business_day(date(2026, 8, 20)) == date(2026, 8, 3)  # 1 August 2026 is a Saturday


def test_nothing_is_sent_outside_the_first_days_of_the_month(seeded):
    transport = FakeTransport()
    assert mail(seeded, datetime(2026, 11, 30, 9, tzinfo=UTC), transport).month is None
    assert mail(seeded, datetime(2026, 12, 15, 9, tzinfo=UTC), transport).month is None
    assert transport.sent == []


def test_each_supervisor_gets_last_months_review_once(seeded):
    transport = FakeTransport()
    first = mail(seeded, datetime(2026, 12, 1, 8, tzinfo=UTC), transport)
    assert (first.month, first.sent) == ("2026-11", 2)
    again = mail(seeded, datetime(2026, 12, 1, 8, 5, tzinfo=UTC), transport)
    later = mail(seeded, datetime(2026, 12, 3, 8, tzinfo=UTC), transport)
    assert (again.sent, again.skipped, later.sent) == (0, 2, 0)
    by_address = {message.to: message for message in transport.sent}
    assert sorted(by_address) == ["sam@example.com", "sara@example.es"]  # agents (Marta, Tom) get none
    spanish, english = by_address["sara@example.es"], by_address["sam@example.com"]
    assert spanish.subject == "Revisión mensual 2026-11: NPS +0.0, primer tema Facturación (+25.0 puntos)"
    assert english.subject == "Monthly review 2026-11: NPS +0.0, top theme Billing (+25.0 points)"
    assert "<svg" not in english.html and 'bgcolor="#cf222e"' in english.html and 'width="220"' in english.html
    assert "- Billing: 5 detractors, 62.5%, +25.0 points" in english.text
    assert "https://nps.example.com/ui/review?month=2026-11" in english.text
    for message in (spanish, english):
        assert "Ana" not in message.html + message.text and "600 111" not in message.html + message.text
        assert "Soy [name] [name]" in message.text


def test_a_mail_server_that_is_down_leaves_the_review_for_the_next_run(seeded):
    directory.add_agent(uow=seeded.uow(), name="Tim", team="Logistics", phone=None, email="tim@example.com",
                        role="supervisor")  # fmt: skip
    down = FakeTransport(script={"tim@example.com": ["transient"]})
    assert mail(seeded, datetime(2026, 12, 2, 8, tzinfo=UTC), down).sent == 0
    back = FakeTransport()
    assert mail(seeded, datetime(2026, 12, 3, 8, tzinfo=UTC), back).sent == 1
    assert [message.to for message in back.sent] == ["tim@example.com"]


def test_the_beat_runs_the_task_daily_and_the_task_mails_through_the_runtime(seeded, tmp_path, monkeypatch):
    from celery.schedules import crontab

    from npsloop.domain.notifications import Channel
    from npsloop.settings import Settings
    from npsloop.worker import tasks
    from npsloop.worker.app import create_app

    entry = create_app(Settings(data_dir=tmp_path)).conf.beat_schedule["monthly_review"]
    assert entry["task"] == tasks.send_monthly_review_task.name and isinstance(entry["schedule"], crontab)
    assert entry["schedule"].day_of_month == set(range(1, 32))  # every day; the service decides
    monkeypatch.setattr(tasks, "get_runtime", lambda: seeded)
    at(seeded, datetime(2027, 1, 4, 11, 23, tzinfo=UTC))  # 1 January 2027 is a Friday: still within catch-up
    done = tasks.send_monthly_review_task()
    assert done == {"month": "2026-12", "sent": 3, "skipped": 0}
    assert tasks.send_monthly_review_task()["sent"] == 0
    reviews = [m for m in seeded.transports[Channel.EMAIL].sent if m.reference.startswith("review-2026-12-")]
    assert len(reviews) == 3  # not one more for the second run


def test_markup_in_a_theme_name_reaches_the_email_as_text(tmp_path):
    from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
    from npsloop.ingest.themes_yaml import dump_themes
    from npsloop.services.themes import load_themes

    evil = "<script>alert(1)</script>"
    with seeded_runtime(tmp_path) as rt:
        directory.add_agent(uow=rt.uow(), name="Sam", team="Logistics", phone=None, email="sam@example.com",
                            language="en", role="head")  # fmt: skip
        text = dump_themes(DEFAULT_TAXONOMY).replace("en: Billing", f'en: "{evil}"')
        load_themes(uow=rt.uow(), text=text, now=rt.clock())
        transport = FakeTransport()
        assert mail(rt, datetime(2026, 12, 1, 8, tzinfo=UTC), transport).sent == 1
    [message] = transport.sent
    assert evil not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert evil in message.text  # the text part is text: shown as written, never interpreted

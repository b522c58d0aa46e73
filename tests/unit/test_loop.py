"""Loop-closure figures on cases written out by hand."""

from datetime import UTC, datetime, timedelta

from npsloop.domain.loop import CaseTimes, age_band, backlog, summarize

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
H = timedelta(hours=1)


def test_figures_of_four_cases_by_hand():
    cases = [
        # acknowledged after 1 h, contacted after 2 h, closed resolved after 4 h, inside both deadlines
        CaseTimes(T0, T0 + H, T0 + 2 * H, T0 + 4 * H, "resolved", T0 + 3 * H, T0 + 8 * H,
                  business={"acknowledge": H, "contact": 2 * H, "close": 4 * H}),
        # closed late, not resolved, and the customer had a case closed 30 days earlier
        CaseTimes(T0, T0 + 3 * H, T0 + 5 * H, T0 + 10 * H, "not_resolved", T0 + 3 * H, T0 + 8 * H,
                  business={"acknowledge": 3 * H, "contact": 5 * H, "close": 10 * H}, recontact=True),
        # acknowledged only
        CaseTimes(T0, T0 + 2 * H, contact_due_at=T0 + 3 * H, close_due_at=T0 + 8 * H,
                  business={"acknowledge": 2 * H}),
        # nothing yet, and no team: no deadlines, no business clock
        CaseTimes(T0),
    ]  # fmt: skip
    found = summarize(cases)
    assert (found["opened"], found["acknowledged"], found["contacted"], found["closed"]) == (4, 3, 2, 2)
    assert found["closed_by_outcome"] == {"resolved": 1, "not_resolved": 1, "unreachable": 0}
    assert found["closure_rate"] == 50.0
    # contact deadlines: case 1 in time, case 2 late; case 3 not contacted yet stays out of the share
    assert found["contacted_within_sla"] == 50.0
    assert found["closed_within_sla"] == 50.0
    ack = found["time_to"]["acknowledge"]
    assert ack["wall"] == {"count": 3, "median_seconds": 7200.0, "p90_seconds": 3600 * 2.8}
    close = found["time_to"]["close"]
    assert close["business"]["median_seconds"] == 7 * 3600  # (4 h + 10 h) / 2
    assert found["recontacted"] == 1 and found["recontact_rate"] == 25.0


def test_no_cases_gives_no_rates_rather_than_zero():
    found = summarize([])
    assert found["opened"] == 0
    assert found["closure_rate"] is None and found["closed_within_sla"] is None
    assert found["time_to"]["close"]["wall"]["median_seconds"] is None


def test_backlog_bands_by_age():
    now = T0 + 10 * 24 * H
    ages = [timedelta(minutes=59), H, 5 * H, 30 * H, 4 * 24 * H, 8 * 24 * H]
    assert backlog([now - a for a in ages], now) == {
        "under_1h": 1, "1h_4h": 1, "4h_24h": 1, "1d_3d": 1, "3d_7d": 1, "over_7d": 1,
    }  # fmt: skip
    assert age_band(timedelta(0)) == "under_1h"

"""The WhatsApp template's variables: fixed order, one line each, never empty, never too long, whatever the
customer wrote."""

from __future__ import annotations

import pytest

from npsloop.domain.notifications import AlertKind
from npsloop.services.whatsapp_alert import COMMENT_LIMIT, THEMES_LIMIT, one_line, template_variables


def variables(alert=None, **overrides):
    values = {
        "case_id": 1234,
        "score": 2,
        "themes": ("facturación", "espera"),
        "comment": "Me cobraron dos veces",
        "language": "es",
    }
    values.update(overrides)
    return template_variables(alert or AlertKind.case_opened(), **values)


def test_a_new_case_fills_the_five_variables_in_order():
    assert variables() == ("Caso nuevo", "1234", "2", "facturación, espera", "Me cobraron dos veces")


def test_the_headline_names_the_alert_and_its_deadline_in_the_agents_language():
    assert variables(AlertKind.reminder("contact"))[0] == "Recordatorio: contactar"
    assert variables(AlertKind.escalation("acknowledge", 2), language="en")[0] == "Escalation: acknowledge"
    assert variables(AlertKind.assigned(3), language="en")[0] == "Case assigned"
    assert variables(language="pt")[0] == "New case"  # a language without words of its own reads English


def test_what_is_missing_is_a_dash_since_whatsapp_refuses_an_empty_variable():
    assert variables(themes=(), comment=None, score=None) == ("Caso nuevo", "1234", "-", "-", "-")
    assert variables(comment=" \n\t ")[4] == "-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("línea uno\nlínea dos\r\ntres", "línea uno línea dos tres"),
        ("tab\there", "tab here"),
        ("many      spaces", "many spaces"),  # WhatsApp refuses more than four in a row
        ("non\u00a0breaking\u2028line\u2029para", "non breaking line para"),
        ("zero\u200bwidth\u2066isolate\u2069", "zerowidthisolate"),
        ("family 👨\u200d👩\u200d👧 kept", "family 👨\u200d👩\u200d👧 kept"),
        ("<b>*bold*</b> {{1}}", "<b>*bold*</b> {{1}}"),  # Twilio substitutes the value as text; nothing to run
    ],
)
def test_the_customers_text_becomes_one_line_whatsapp_accepts(text, expected):
    assert one_line(text, 200) == expected


def test_a_long_comment_and_long_themes_are_cut_with_an_ellipsis():
    long = variables(comment="x" * 5000, themes=tuple("tema" * 20 for _ in range(3)))
    assert len(long[4]) == COMMENT_LIMIT and long[4].endswith("…")
    assert len(long[3]) <= THEMES_LIMIT and long[3].endswith("…")


def test_every_variable_together_stays_well_under_whatsapps_1024_characters():
    worst = variables(
        AlertKind.escalation("acknowledge", 9), comment="ñ" * 10_000, themes=("a" * 500,) * 3, case_id=10**12
    )
    assert sum(len(value) for value in worst) < 600
    assert all(value and "\n" not in value and "\t" not in value for value in worst)


def test_a_digest_names_the_cases_it_carries_where_the_case_number_goes():
    names = template_variables(
        AlertKind.digest(), case_id=None, carried=[4, 9, 12], score=None, themes=(), comment=None, language="es"
    )
    assert names == ("Casos nuevos", "4, 9, 12", "-", "-", "-")
    many = template_variables(
        AlertKind.digest(),
        case_id=None,
        carried=list(range(10**6, 10**6 + 50)),
        score=None,
        themes=(),
        comment=None,
        language="en",
    )
    assert len(many[1]) <= 100 and many[1].endswith("…")

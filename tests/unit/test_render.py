import pytest

from npsloop.notify.render import Renderer
from npsloop.notify.sms_text import segments

CONTEXT = {
    "case_id": 4812,
    "agent_name": "Marta",
    "score": 2,
    "comment": "El pedido llegó tarde",
    "touchpoint": "delivery",
    "survey_type": "transactional",
    "customer_id": "c-1",
    "customer_name": "Lucía Martínez",
    "customer_phone": "+34600111222",
    "customer_email": "lucia@example.es",
    "responded_at": "2026-03-02 09:00 UTC",
    "case_url": "https://npsloop.example/v1/cases/4812",
    "priority": "urgent",
    "acknowledge_by": "Mon 02 Mar 09:15",
    "acknowledge_by_short": "Mon 09:15",
    "contact_by": "Mon 02 Mar 13:00",
    "close_by": "Tue 03 Mar 09:00",
    "acknowledge_url": "https://npsloop.example/v1/links/abc.def",
    "contact_url": "https://npsloop.example/v1/links/ghi.jkl",
    "customer_time": None,
    "customer_call_from": None,
}


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.mark.parametrize("language", ["en", "es"])
def test_sms_carries_the_reference_score_and_comment(renderer, language):
    text = renderer.sms("case_opened", language, CONTEXT)
    assert "#4812" in text and "2/10" in text and "El pedido llegó tarde" in text


def test_unknown_languages_fall_back_to_english(renderer):
    assert "from Lucía" in renderer.sms("case_opened", "fr-CA", CONTEXT)
    assert "de Lucía" in renderer.sms("case_opened", "es-MX", CONTEXT)


@pytest.mark.parametrize(
    "comment",
    [
        "x" * 5000,
        "á" * 5000,
        "😡" * 2500,
        "Muy mal servicio, tardaron muchísimo. " * 130,
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_long_comment_is_shortened_to_fit_two_segments_and_the_reference_survives(renderer, comment, language):
    text = renderer.sms("case_opened", language, {**CONTEXT, "comment": comment})
    assert segments(text) <= 2
    assert text.startswith("npsloop #4812:")
    assert text.rstrip('"').endswith("...")


def test_even_a_huge_name_cannot_push_the_reference_out(renderer):
    text = renderer.sms("case_opened", "es", {**CONTEXT, "customer_name": "Ñ" * 3000, "comment": "á" * 3000})
    assert segments(text) <= 2 and "#4812" in text and "2/10" in text


@pytest.mark.parametrize("attack", ["{{ config }}", "{% for x in range(10) %}x{% endfor %}", "{{ ''.__class__ }}"])
def test_template_syntax_in_a_comment_is_inert_text(renderer, attack):
    text = renderer.sms("case_opened", "en", {**CONTEXT, "comment": attack})
    assert attack in text
    email = renderer.email("case_opened", "en", {**CONTEXT, "comment": attack})
    assert attack in email.text


def test_html_in_a_comment_is_escaped_in_the_html_email_and_kept_in_the_text_one(renderer):
    attack = "<script>alert(1)</script><b>bold</b>"
    email = renderer.email("case_opened", "es", {**CONTEXT, "comment": attack})
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert attack in email.text
    assert email.subject == "[npsloop #4812] Detractor 2/10 de Lucía Martínez - delivery"


def test_a_missing_variable_is_an_error_not_a_blank(renderer):
    context = dict(CONTEXT)
    del context["case_id"]
    with pytest.raises(Exception, match="case_id"):
        renderer.sms("case_opened", "en", context)


def test_emoji_and_accents_survive_in_email(renderer):
    email = renderer.email("case_opened", "es", {**CONTEXT, "comment": "Fatal 😡 atención"})
    assert "Fatal 😡 atención" in email.text and "Fatal 😡 atención" in email.html


def test_alerts_carry_the_sla_deadlines_in_the_teams_time(renderer):
    assert "Ack by Mon 09:15." in renderer.sms("case_opened", "en", CONTEXT)
    assert "Confirmar: lun 09:15." in renderer.sms(
        "case_opened", "es", {**CONTEXT, "acknowledge_by_short": "lun 09:15"}
    )
    email = renderer.email("case_opened", "en", CONTEXT)
    assert "Acknowledge by Mon 02 Mar 09:15, First contact by Mon 02 Mar 13:00" in email.text
    assert "Close by Tue 03 Mar 09:00" in email.html
    plain = renderer.sms("case_opened", "en", {**CONTEXT, "acknowledge_by_short": None})
    assert "Ack by" not in plain

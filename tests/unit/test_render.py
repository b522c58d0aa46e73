import pytest

from npsloop.notify.render import Renderer
from npsloop.notify.sms_text import is_gsm7, segments

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
    "themes": (),
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


def test_the_new_case_sms_names_the_themes_in_the_agents_language(renderer):
    plain = {**CONTEXT, "customer_name": "Lucia", "comment": "Tarde"}
    es = renderer.sms("case_opened", "es", {**plain, "themes": ("facturación", "tiempo de espera")})
    assert "#4812: nota 2/10 de Lucia" in es and "(delivery). Temas: facturacion, tiempo de espera. Confirmar" in es
    en = renderer.sms("case_opened", "en", {**plain, "themes": ("billing", "wait time")})
    assert "Themes: billing, wait time." in en
    assert "Tema" not in renderer.sms("case_opened", "es", CONTEXT)


def test_theme_names_lose_their_accents_when_that_keeps_the_sms_in_gsm7(renderer):
    plain = {**CONTEXT, "customer_name": "Lucia Martinez", "comment": "Me cobraron dos veces"}
    text = renderer.sms("case_opened", "es", {**plain, "themes": ("facturación", "atención")})
    assert "Temas: facturacion, atencion." in text and is_gsm7(text)
    accented = renderer.sms("case_opened", "es", {**CONTEXT, "themes": ("facturación",)})
    assert "Temas: facturación." in accented  # the customer's name is UCS-2 already: nothing to save


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_comment_is_cut_before_the_themes_and_the_themes_before_the_reference(renderer, language):
    long_names = tuple("Ж" * 19 + str(n) for n in range(3))  # UCS-2 even without accents: three cannot fit
    context = {**CONTEXT, "comment": "á" * 3000, "customer_name": "Ñ" * 3000, "themes": long_names}
    text = renderer.sms("case_opened", language, context)
    assert segments(text) <= 2
    assert text.startswith("npsloop #4812:") and "2/10" in text
    assert "á" * 20 not in text  # the comment went before the one theme kept
    kept = [name for name in long_names if name in text]
    assert kept == [long_names[0]]  # whole names, the most confident first, never one cut
    assert text.count("Ж" * 19) == 1
    short = renderer.sms("case_opened", language, {**CONTEXT, "comment": "á" * 3000, "themes": ("facturación",)})
    assert segments(short) <= 2 and "facturación." in short and short.rstrip('"').endswith("...")


def test_a_second_theme_goes_before_the_customers_words_are_cut(renderer):
    context = {**CONTEXT, "customer_name": "Lucía", "comment": "Llegó roto <b>y tarde</b>"}
    text = renderer.sms("case_opened", "es", {**context, "themes": ("Entrega", "Calidad del producto")})
    assert segments(text) <= 2 and "Temas: Entrega." in text and "Llegó roto" in text
    plain = {**context, "customer_name": "Lucia", "comment": "Roto"}
    roomy = renderer.sms("case_opened", "es", {**plain, "themes": ("Entrega", "Calidad")})
    assert "Temas: Entrega, Calidad." in roomy  # both, when both fit


def test_theme_names_with_markup_are_escaped_in_the_html_email_and_listed_in_the_text_one(renderer):
    themes = ("<script>alert(1)</script>", "espera & colas")
    email = renderer.email("case_opened", "es", {**CONTEXT, "themes": themes})
    assert "<script>" not in email.html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;, espera &amp; colas</td>" in email.html
    assert "Temas:       <script>alert(1)</script>, espera & colas\n" in email.text
    english = renderer.email("case_opened", "en", {**CONTEXT, "themes": ("billing",)})
    assert '<th align="left">Themes</th><td>billing</td>' in english.html and "Themes:      billing" in english.text
    assert "Temas" not in renderer.email("case_opened", "es", CONTEXT).html


def test_a_reply_echoing_a_huge_unknown_word_still_fits_two_segments(renderer):
    """An agent's 1,600-character reply must not come back as an 11-segment SMS."""
    context = {"code": "unknown_theme", "detail": "xyz " * 400, "themes": ("Facturación", "Entrega"), "case_id": 7}
    for language in ("es", "en"):
        text = renderer.sms("reply", language, {**context, "status": None})
        assert segments(text) <= 2 and '"xyz xyz' in text and "Facturacion, Entrega" in text  # folded: GSM-7


LATER = {**CONTEXT, "deadline": "contact", "step": 1, "due_by": "Mon 02 Mar 13:00", "due_by_short": "lun 13:00"}
LATER_EVENTS = ("reminder", "escalation", "assigned")


@pytest.mark.parametrize("event", LATER_EVENTS)
def test_later_alerts_name_the_themes_in_the_agents_language_as_the_new_case_sms_does(renderer, event):
    plain = {**LATER, "customer_name": "Lucia", "comment": "Tarde", "assignee": "Tom"}
    es = renderer.sms(event, "es", {**plain, "themes": ("facturación", "tiempo de espera")})
    assert " Temas: facturacion, tiempo de espera." in es and "#4812" in es and "2/10" in es
    en = renderer.sms(event, "en", {**plain, "themes": ("billing", "wait time")})
    assert " Themes: billing, wait time." in en
    assert "Tema" not in renderer.sms(event, "es", {**plain, "themes": ()})


@pytest.mark.parametrize("event", LATER_EVENTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_later_alerts_keep_two_segments_by_naming_fewer_themes(renderer, event, language):
    long_names = tuple("Ж" * 19 + str(n) for n in range(3))
    context = {**LATER, "comment": "á" * 3000, "customer_name": "Ñ" * 3000, "themes": long_names, "assignee": "Tom"}
    text = renderer.sms(event, language, context)
    assert segments(text) <= 2 and text.startswith("npsloop #4812") and "2/10" in text
    kept = [name for name in long_names if name in text]
    assert kept == list(long_names[: len(kept)]) and text.count("Ж" * 19) == len(kept) < 3  # whole, first ones


@pytest.mark.parametrize("event", LATER_EVENTS)
def test_later_alert_emails_list_the_themes_escaped_in_html(renderer, event):
    themes = ("<script>alert(1)</script>", "espera & colas")
    context = {**LATER, "assignee": "Tom", "themes": themes}
    email = renderer.email(event, "es", context)
    assert "<script>" not in email.html and "&lt;script&gt;alert(1)&lt;/script&gt;, espera &amp; colas" in email.html
    assert "Temas: <script>alert(1)</script>, espera & colas\n" in email.text
    english = renderer.email(event, "en", {**context, "themes": ("billing",)})
    assert "Themes:" in english.html and "billing" in english.html and "Themes: billing\n" in english.text
    assert "Temas" not in renderer.email(event, "es", {**context, "themes": ()}).text


def test_the_digest_names_its_cases_themes_and_drops_themes_before_case_references(renderer):
    refs = "#101, #102, #103"
    es = renderer.sms("digest", "es", {"count": 3, "case_refs": refs, "themes": ("facturación", "espera")})
    assert "#101, #102, #103. Temas: facturación, espera. Detalles en tu correo." in es
    en = renderer.sms("digest", "en", {"count": 3, "case_refs": refs, "themes": ("billing",)})
    assert "#101, #102, #103. Themes: billing. Details in your email." in en
    many = ", ".join(f"#{n}" for n in range(1000, 1040))
    long_names = tuple("Ж" * 19 + str(n) for n in range(3))
    crowded = renderer.sms("digest", "es", {"count": 40, "case_refs": many, "themes": long_names})
    assert segments(crowded) <= 2 and "Ж" not in crowded and "#1000, #1001" in crowded
    assert "Tema" not in renderer.sms("digest", "es", {"count": 1, "case_refs": "#7"})

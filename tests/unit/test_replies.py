import pytest

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.replies import NotUnderstood, Reply, UnknownTheme, parse_reply
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("OK", Reply(Action.ACKNOWLEDGE, None)),
        ("ok.", Reply(Action.ACKNOWLEDGE, None)),
        ("ACK 1234", Reply(Action.ACKNOWLEDGE, 1234)),
        ("1234 ack", Reply(Action.ACKNOWLEDGE, 1234)),
        ("Vale", Reply(Action.ACKNOWLEDGE, None)),
        ("sí #77", Reply(Action.ACKNOWLEDGE, 77)),
        ("1234 contacted", Reply(Action.CONTACT, 1234)),
        ("1234 contactado", Reply(Action.CONTACT, 1234)),
        ("1234 closed resolved", Reply(Action.CLOSE, 1234, Outcome.RESOLVED)),
        ("1234 CLOSED NOT RESOLVED", Reply(Action.CLOSE, 1234, Outcome.NOT_RESOLVED)),
        ("1234 closed unreachable", Reply(Action.CLOSE, 1234, Outcome.UNREACHABLE)),
        ("1234 cerrado resuelto", Reply(Action.CLOSE, 1234, Outcome.RESOLVED)),
        ("1234 cerrado no resuelto", Reply(Action.CLOSE, 1234, Outcome.NOT_RESOLVED)),
        ("#1234 Cerrado ilocalizable", Reply(Action.CLOSE, 1234, Outcome.UNREACHABLE)),
        ("cerrado no contesta", Reply(Action.CLOSE, None, Outcome.UNREACHABLE)),
    ],
)
def test_replies_in_english_and_spanish(text, reply):
    assert parse_reply(text) == reply


@pytest.mark.parametrize(
    "text", ["", "hello there", "1234", "1234 closed", "1234 closed maybe", "ok 12 13", "STOP", "ok thanks"]
)
def test_anything_else_is_not_understood_rather_than_guessed(text):
    with pytest.raises(NotUnderstood):
        parse_reply(text)


IN_FORCE = [theme for theme in DEFAULT_TAXONOMY.themes if theme.key != "price"]  # as if price were retired


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("1234 cerrado resuelto facturación", ("billing",)),
        ("1234 closed resolved billing", ("billing",)),
        ("1234 CERRADO RESUELTO FACTURACION", ("billing",)),
        ("1234 cerrado no resuelto facturacion, entrega", ("billing", "delivery")),
        ("1234 cerrado resuelto facturación y calidad del producto", ("billing", "product_quality")),
        ("1234 closed unreachable wait time + effort", ("wait_time", "effort")),
        ("1234 closed resolved wait_time billing billing", ("wait_time", "billing")),
        ("1234 cerrado resuelto Trato del Personal", ("staff_attitude",)),
        ("1234 closed resolved resolution", ("resolution",)),
    ],
)
def test_a_closing_reply_names_its_reasons_by_key_or_name_in_either_language(text, reasons):
    reply = parse_reply(text, IN_FORCE)
    assert reply.action is Action.CLOSE and reply.case_id == 1234 and reply.reasons == reasons


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1234 cerrado resuelto factura", "factura"),
        ("1234 cerrado resuelto facturación calidad", "calidad"),
        ("1234 closed resolved price", "price"),
    ],
)
def test_a_word_that_names_no_active_theme_is_named_back_not_guessed(text, words):
    with pytest.raises(UnknownTheme) as refused:
        parse_reply(text, IN_FORCE)
    assert refused.value.words == words


def test_themes_after_another_action_are_not_understood():
    with pytest.raises(NotUnderstood):
        parse_reply("1234 contactado facturación", IN_FORCE)

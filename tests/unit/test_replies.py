import pytest

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.replies import NotUnderstood, Reply, parse_reply


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

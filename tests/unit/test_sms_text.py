import pytest

from npsloop.notify.sms_text import fits, is_gsm7, normalize, segments, units


def test_plain_english_is_gsm7_and_160_characters_fit_one_segment():
    assert is_gsm7("Hello, world! 0-10 @ £5")
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3


def test_gsm_extension_characters_count_twice():
    assert units("€[]") == (6, "gsm7")


def test_one_spanish_accent_switches_the_whole_message_to_ucs2_at_67_a_segment():
    text = "Atención " + "a" * 60
    assert not is_gsm7(text)
    assert segments("á" * 70) == 1
    assert segments("á" * 71) == 2
    assert segments("á" * 134) == 2
    assert segments("á" * 135) == 3


def test_some_accents_are_in_gsm7_and_cost_nothing_extra():
    assert is_gsm7("é è ñ ü Ñ")


def test_an_emoji_counts_as_two_ucs2_units():
    assert units("😡") == (2, "ucs2")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("it\u2019s \u201cfine\u201d", 'it\'s "fine"'),
        ("a\u00a0b", "a b"),
        ("wait\u2026", "wait..."),
        ("lines\n\nand\ttabs", "lines and tabs"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_normalize_removes_look_alikes_that_would_force_ucs2(raw, clean):
    assert normalize(raw) == clean
    assert is_gsm7(normalize(raw))


def test_fits_means_at_most_two_segments():
    assert fits("a" * 306) and not fits("a" * 307)

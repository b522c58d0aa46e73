from npsloop.redaction import redact


def test_phone_numbers_and_emails_are_masked_in_free_text():
    text = redact("send to +34600111222 and lucia.martinez@example.es now")
    assert "+34600111222" not in text and "lucia.martinez@example.es" not in text
    assert "+34*******22" in text and "l***@example.es" in text


def test_text_without_personal_data_is_unchanged():
    assert redact("case 4812 opened, score 3/10") == "case 4812 opened, score 3/10"

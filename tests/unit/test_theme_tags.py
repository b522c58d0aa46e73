"""Tag values: which themes a complaint names, and what a result says when the model could not tell."""

from npsloop.domain.theme_tags import Polarity, TagResult, TagState, ThemeTag, negative_themes

BILLING = ThemeTag("billing", Polarity.NEGATIVE, 0.62)
DELIVERY = ThemeTag("delivery", Polarity.NEGATIVE, 0.91)
PRODUCT = ThemeTag("product_quality", Polarity.POSITIVE, 0.95)


def test_negative_themes_are_the_complaints_most_confident_first():
    assert negative_themes((BILLING, PRODUCT, DELIVERY)) == ("delivery", "billing")
    assert negative_themes([PRODUCT]) == ()


def test_a_result_with_no_tags_in_an_unknown_language_is_unknown_not_about_nothing():
    assert TagResult((), language_known=False).state is TagState.UNKNOWN
    assert TagResult((), language_known=True).state is TagState.TAGGED
    assert TagResult((DELIVERY,), language_known=False).state is TagState.TAGGED


def test_a_tag_as_json_rounds_its_confidence():
    assert DELIVERY.to_dict() == {"theme": "delivery", "polarity": "negative", "confidence": 0.91}
    assert ThemeTag("price", Polarity.POSITIVE, 0.123456).to_dict()["confidence"] == 0.123

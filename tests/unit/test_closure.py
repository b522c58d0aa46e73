import pytest

from npsloop.domain.closure import DEFAULT_ACTIONS, Closure, ClosureRules, InvalidClosure, ReasonsRequired

RULES = ClosureRules.of(["billing", "delivery", "wait_time"], DEFAULT_ACTIONS, reasons_required=False)


def test_a_closure_keeps_each_reason_once_in_the_order_given_and_trims_its_note():
    checked = RULES.check(Closure(("delivery", "billing", "delivery"), "refund", "  refunded the fee \n"))
    assert checked == Closure(("delivery", "billing"), "refund", "refunded the fee")


def test_a_closure_may_say_nothing_when_the_team_does_not_require_reasons():
    assert RULES.check(Closure()) == Closure()


@pytest.mark.parametrize(
    ("closure", "field"),
    [
        (Closure(("billing", "facturas")), "reasons"),
        (Closure(("Billing",)), "reasons"),
        (Closure(action_code="voucher"), "action_code"),
        (Closure(action_note="x" * 501), "action_note"),
    ],
)
def test_what_the_rules_do_not_know_is_refused_naming_its_field(closure, field):
    with pytest.raises(InvalidClosure) as refused:
        RULES.check(closure)
    assert refused.value.field == field


def test_a_retired_theme_is_no_reason_to_close_with():
    rules = ClosureRules.of(["billing"], DEFAULT_ACTIONS, reasons_required=False)
    with pytest.raises(InvalidClosure, match="'price'"):
        rules.check(Closure(("price",)))


def test_a_team_that_requires_reasons_refuses_a_closure_without_any():
    rules = ClosureRules.of(["billing"], DEFAULT_ACTIONS, reasons_required=True)
    with pytest.raises(ReasonsRequired) as refused:
        rules.check(Closure(action_code="refund", action_note="refunded"))
    assert refused.value.field == "reasons"
    assert rules.check(Closure(("billing",))).reasons == ("billing",)


def test_no_action_code_is_known_when_none_is_configured():
    rules = ClosureRules.of(["billing"], [], reasons_required=False)
    with pytest.raises(InvalidClosure, match="none configured"):
        rules.check(Closure(action_code="refund"))

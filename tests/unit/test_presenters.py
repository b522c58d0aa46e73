from npsloop.api.presenters import case_json
from npsloop.services.casework import get_case
from tests.conftest import drain, ingest, seed_team


def test_a_cases_risk_reasons_are_given_in_their_machine_form_whichever_release_stored_them(runtime):
    seed_team(runtime)
    ingest(runtime, score=0)
    drain(runtime)
    with runtime.uow() as uow:  # as a release that stored English texts left them
        uow.cases.get(1).risk_reasons = ["score 0", "themes: billing, wait_time", "repeat detractor", "??"]
        uow.commit()
    body = case_json(get_case(uow=runtime.uow(), case_id=1))
    assert body["risk_reasons"] == ["score:0", "themes:billing,wait_time", "repeat_detractor", "??"]

from npsloop.domain.text import without_accents


def test_accents_go_and_case_stays_for_the_caller_to_fold():
    assert without_accents("Facturación") == "Facturacion"
    assert without_accents("sí, año, pingüino") == "si, ano, pinguino"
    assert without_accents("²") == "2"

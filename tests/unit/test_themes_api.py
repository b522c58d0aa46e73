"""GET /v1/themes for those who read cases (agents pick closing reasons from it), PUT /v1/themes (YAML) for the
admin: a text with mistakes is a 422 naming each field and line and changes nothing; only YAML is taken; the body
limit holds."""

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import tokens
from tests.conftest import TOKEN
from tests.support.trained import store_model

ADMIN = {"Authorization": f"Bearer {TOKEN}"}
YAML = {**ADMIN, "Content-Type": "application/yaml"}
PARKING = "- key: parking\n  name: {es: Aparcamiento, en: Parking}\n  retired: true\n"


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as client:
        yield client


def bearer(runtime, role: Role) -> dict[str, str]:
    secret = tokens.create_token(uow=runtime.uow(), name=f"t-{role.value}", role=role, now=runtime.clock()).secret
    return {"Authorization": f"Bearer {secret}"}


def test_the_default_is_served_on_a_fresh_install(client):
    answer = client.get("/v1/themes", headers=ADMIN)
    assert answer.status_code == 200
    document = answer.json()
    assert document["version"] == 0 and [t["key"] for t in document["themes"]][:2] == ["wait_time", "resolution"]
    billing = document["themes"][4]
    assert billing == {
        "key": "billing",
        "name": {"es": "Facturación", "en": "Billing"},
        "description": {
            "es": "Facturas, cobros erróneos o duplicados, devoluciones, pagos.",
            "en": "Invoices, wrong or double charges, refunds, payments.",
        },
        "retired": False,
        "default": True,
    }


@pytest.mark.parametrize("media", ["application/yaml", "text/yaml; charset=utf-8", "application/x-yaml"])
def test_the_admin_replaces_the_taxonomy_with_yaml(client, media):
    text = dump_themes(DEFAULT_TAXONOMY).replace("es: Espera", "es: Tiempo de espera") + PARKING
    answer = client.put("/v1/themes", content=text.encode(), headers={**ADMIN, "Content-Type": media})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["changed"] is True and document["version"] == 1
    assert document["themes"][0]["name"]["es"] == "Tiempo de espera"
    assert document["themes"][-1] == {
        "key": "parking",
        "name": {"es": "Aparcamiento", "en": "Parking"},
        "description": {"es": "", "en": ""},
        "retired": True,
        "default": False,
    }
    again = client.put("/v1/themes", content=text.encode(), headers=YAML).json()
    assert again["changed"] is False and again["version"] == 1
    assert client.get("/v1/themes", headers=ADMIN).json()["themes"] == document["themes"]


def test_mistakes_are_a_422_with_a_field_and_line_each_and_change_nothing(client):
    text = dump_themes(DEFAULT_TAXONOMY).replace("key: price", "key: Price") + "- key: parking\n  name: {es: X}\n"
    answer = client.put("/v1/themes", content=text.encode(), headers=YAML)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "TaxonomyError" and "3 mistakes" in body["message"]
    lines = text.splitlines()
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert fields["themes.5.key"].startswith(f"line {lines.index('- key: Price') + 1}: key must be lowercase")
    assert fields["themes.10.name.en"] == f"line {len(lines)}: 'parking': name needs a text in en"
    assert fields["themes"].startswith("line 1: the default theme 'price' cannot be removed")
    assert client.get("/v1/themes", headers=ADMIN).json()["version"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"themes: [\n", "not valid YAML"),
        (b"a: &a [1]\nthemes: *a\n", "aliases"),
        (b"themes: " + b"[" * 60_000, "nested deeper"),
        (b"- 1\n- 2\n", "a list under 'themes:'"),
        (b"themes: !!python/object/apply:os.system [id]\n", "not valid YAML"),
        (b"", "a list under 'themes:'"),
        (b"themes:\n  - key: " + b"9" * 5000 + b"\n", "a number longer than 40 characters"),
        (b"themes:\n  - key: " + b"x" * 60_000 + b"\n", "snake_case"),
    ],
)
def test_hostile_or_shapeless_yaml_is_a_422_naming_the_body(client, body, message):
    answer = client.put("/v1/themes", content=body, headers=YAML)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(message in error["message"] for error in errors), errors
    assert all(len(error["message"]) < 300 for error in errors)  # a long key or value is not echoed whole


def test_only_yaml_utf8_within_the_body_limit_is_taken(client, runtime):
    text = dump_themes(DEFAULT_TAXONOMY).encode()
    as_json = client.put("/v1/themes", content=text, headers={**ADMIN, "Content-Type": "application/json"})
    assert as_json.status_code == 415 and "application/yaml" in as_json.json()["message"]
    assert client.put("/v1/themes", content=text, headers=ADMIN).status_code == 415  # no content type
    latin = client.put("/v1/themes", content="themes: facturación".encode("latin-1"), headers=YAML)
    assert latin.status_code == 400 and latin.json()["errors"] == [
        {"field": "body", "message": "the body is not UTF-8 text"}
    ]
    huge = client.put("/v1/themes", content=b"#" * (runtime.settings.max_body_bytes + 1), headers=YAML)
    assert huge.status_code == 413


def test_readers_of_cases_read_the_themes_only_the_admin_writes(client, runtime):
    text = dump_themes(DEFAULT_TAXONOMY).encode()
    for role, read in [(Role.SUPERVISOR, 200), (Role.INTEGRATION, 403)]:  # agents: in test_auth's route walk
        headers = bearer(runtime, role)
        assert client.get("/v1/themes", headers=headers).status_code == read
        put = client.put("/v1/themes", content=text, headers={**headers, "Content-Type": "application/yaml"})
        assert put.status_code == 403 and put.json()["error"] == "forbidden"
    assert client.put("/v1/themes", content=text, headers={"Content-Type": "application/yaml"}).status_code == 401


def test_the_openapi_document_describes_the_yaml_body(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/themes"]["put"]
    assert set(operation["requestBody"]["content"]) == {"application/yaml", "text/yaml"}
    assert {"401", "403", "413", "415", "422"} <= set(operation["responses"])


def test_comments_are_tagged_with_the_model_in_force(client, runtime):
    comments = [
        {"text": "buen producto, pesima entrega", "language": "es"},
        {"text": "ok"},
        {"text": "good product, terrible delivery", "language": "sv"},
    ]
    answer = client.post("/v1/themes:tag", json={"comments": comments}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["model"].startswith("default-") and len(document["comments"]) == 3
    first = {item["theme"]: item["polarity"] for item in document["comments"][0]["themes"]}
    assert first == {"product_quality": "positive", "delivery": "negative"}
    assert document["comments"][1] == {"themes": [], "language_known": False}
    assert document["comments"][2]["language_known"] is False
    store_model(runtime, "trained-api")
    assert client.post("/v1/themes:tag", json={"comments": comments}, headers=ADMIN).json()["model"] == "trained-api"


@pytest.mark.parametrize(
    "body",
    [
        {"comments": [{"text": "x"}] * 101},
        {"comments": []},
        {"comments": [{"text": "x" * 8001}]},
        {"comments": [{"text": "x", "score": 3}]},
        {"comments": [{"language": "es"}]},
        {"text": "x"},
    ],
    ids=["too-many", "none", "too-long", "unknown-field", "no-text", "not-a-list"],
)
def test_tagging_takes_a_bounded_list_of_comments(client, body):
    answer = client.post("/v1/themes:tag", json=body, headers=ADMIN)
    assert answer.status_code == 422 and answer.json()["error"] == "validation_failed"


def test_tagging_reads_its_body_strictly(client):
    repeated = b'{"comments": [{"text": "a", "text": "b"}]}'
    answer = client.post("/v1/themes:tag", content=repeated, headers={**ADMIN, "Content-Type": "application/json"})
    assert answer.status_code == 400


def test_the_api_never_fits_a_model_it_answers_503_until_the_worker_has(client, runtime, tmp_path):
    runtime.models.cache_dir = tmp_path / "not-fitted-yet"  # as right after an upgrade
    answer = client.post("/v1/themes:tag", json={"comments": [{"text": "me cobraron doble"}]}, headers=ADMIN)
    assert answer.status_code == 503 and answer.json()["error"] == "model_not_ready"
    assert answer.headers["Retry-After"] == "60"

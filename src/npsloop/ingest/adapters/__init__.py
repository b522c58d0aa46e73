"""Survey tools' own webhooks, each verified with the tool's own signature and mapped to npsloop's response
shape, so that the rest of the pipeline (validation, storage, cases) never knows which tool it came from."""

from __future__ import annotations

from npsloop.domain.integrations import IntegrationKind
from npsloop.ingest.adapters import delighted, formbricks, mapping, qualtrics, surveymonkey, typeform
from npsloop.ingest.adapters.base import Adapter

ADAPTERS: dict[str, Adapter] = {
    IntegrationKind.DELIGHTED.value: delighted.ADAPTER,
    IntegrationKind.TYPEFORM.value: typeform.ADAPTER,
    IntegrationKind.SURVEYMONKEY.value: surveymonkey.ADAPTER,
    IntegrationKind.FORMBRICKS.value: formbricks.ADAPTER,
    IntegrationKind.QUALTRICS.value: qualtrics.ADAPTER,
    IntegrationKind.MAPPING.value: mapping.ADAPTER,
}

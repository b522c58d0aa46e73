"""A customer's rights over their data, for admins: GET /v1/customers/{id}/export (access) and
DELETE /v1/customers/{id} (erasure). The path holds the customer id the survey tool or CRM gave, an opaque
id; an email or a phone number is never taken in a URL (URLs end up in proxies' and browsers' logs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool

from npsloop.api.auth import allow
from npsloop.api.errors import documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.domain.access import Permission, Principal
from npsloop.services import erasure, subject_access

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=documented(401, 403, 404, 422, 503))
# `:path`, so an id with a slash in it (percent-encoded or not) still names one customer.
CustomerId = Annotated[str, Path(min_length=1, max_length=200, description="the customer id responses carry")]
Integration = Annotated[str | None, Query(min_length=1, max_length=100, description="only this integration's customer")]
Exporter = Annotated[Principal, Depends(allow(Permission.CUSTOMERS_EXPORT))]
Eraser = Annotated[Principal, Depends(allow(Permission.CUSTOMERS_ERASE))]


@router.get("/{customer_id:path}/export")
async def export(
    runtime: RuntimeDep, customer_id: CustomerId, _: Exporter, integration: Integration = None
) -> dict[str, Any]:
    """Everything npsloop holds about the customer, and to whom it went (agents alerted, endpoints)."""
    return await run_in_threadpool(
        lambda: subject_access.export_customer(
            uow=runtime.uow(),
            customer_id=customer_id,
            integration=integration,
            now=runtime.clock(),
            traces=runtime.traces(),
        )
    )


@router.delete("/{customer_id:path}")
async def erase(
    runtime: RuntimeDep, customer_id: CustomerId, who: Eraser, integration: Integration = None
) -> dict[str, Any]:
    """Erases the customer's personal data everywhere; idempotent. Answers what was changed, not the values."""
    done = await run_in_threadpool(
        lambda: erasure.erase_customer(
            uow=runtime.uow(),
            customer_id=customer_id,
            integration=integration,
            actor=who.actor,
            now=runtime.clock(),
            traces=runtime.traces(),
            keep_attributes=runtime.settings.kept_attributes,
        )
    )
    return {"erased": done.as_dict()}

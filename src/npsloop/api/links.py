"""One-click links from alert emails: GET shows what the link will do, POST does it. Email scanners open
links to check them; a GET that acted would acknowledge cases nobody read."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import AccessDenied, agent_principal
from npsloop.domain.cases import Action
from npsloop.domain.errors import CaseNotFound, InvalidTransition
from npsloop.link_tokens import LinkError, read_token
from npsloop.services.casework import act_on_case

PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}
router = APIRouter(
    prefix="/v1/links",
    tags=["links"],
    responses={
        403: {"description": "the link is not valid", **PAGE},
        404: {"description": "links are not enabled, or the case is gone", **PAGE},
        409: {"description": "the case is already past that step", **PAGE},
        410: {"description": "the link has expired", **PAGE},
    },
)
ACTIONS = {
    "acknowledge": (Action.ACKNOWLEDGE, "Acknowledge case #{c}?"),
    "contact": (Action.CONTACT, "Mark case #{c} as contacted?"),
}


def _page(runtime: Runtime, status: int, **context: object) -> HTMLResponse:
    template = runtime.renderer.env.get_template("pages/link.html")
    return HTMLResponse(template.render(**{"form": False, **context}), status_code=status)


def _payload(runtime: Runtime, token: str) -> dict[str, object] | HTMLResponse:
    secret = runtime.settings.link_secret.get_secret_value()
    if not secret:
        return _page(runtime, 404, message="One-click links are not enabled here.")
    try:
        payload = read_token(secret, token, time.time())
    except LinkError as error:
        return _page(runtime, 410 if error.expired else 403, message=f"Sorry: {error}.")
    if payload.get("x") not in ACTIONS:
        return _page(runtime, 403, message="Sorry: this link is not valid.")
    return payload


@router.get("/{token}", response_class=HTMLResponse)
async def show(runtime: RuntimeDep, token: str) -> HTMLResponse:
    payload = _payload(runtime, token)
    if isinstance(payload, HTMLResponse):
        return payload
    _, question = ACTIONS[str(payload["x"])]
    return _page(runtime, 200, form=True, question=question.format(c=payload["c"]), button="Yes, do it")


@router.post("/{token}", response_class=HTMLResponse)
async def act(runtime: RuntimeDep, token: str) -> HTMLResponse:
    payload = _payload(runtime, token)
    if isinstance(payload, HTMLResponse):
        return payload
    action, _ = ACTIONS[str(payload["x"])]

    def run() -> str:
        with runtime.uow() as uow:
            agent = uow.directory.agent(int(str(payload["a"])))
        if agent is None or not agent.active:
            raise AccessDenied("the agent of this link is no longer active")
        view = act_on_case(
            uow=runtime.uow(),
            case_id=int(str(payload["c"])),
            action=action,
            actor=agent.name,
            now=runtime.clock(),
            note="by email link",
            viewer=agent_principal(agent),
        )
        return view.case.status

    try:
        status = await run_in_threadpool(run)
    except AccessDenied as error:
        return _page(runtime, 403, message=f"Sorry: {error}; nothing was changed.")
    except CaseNotFound as error:
        return _page(runtime, 404, message=f"Sorry: {error}.")
    except InvalidTransition as error:
        return _page(runtime, 409, message=f"Case #{payload['c']} is already {error.status}; nothing was changed.")
    return _page(runtime, 200, message=f"Done: case #{payload['c']} is now {status}.")

"""What the browser tests share: the accessibility audit of a page, moving the focus with Tab alone, and the worker
that runs what the API queued once it is queued."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from npsloop.bootstrap import Runtime
from tests.conftest import drain


def serious_violations(page: Page) -> list[str]:
    """What axe-core (shipped inside axe-playwright-python, run in the page) finds serious or critical: WCAG AA
    contrast, labels, names, landmarks..."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def tab_to(page: Page, element_id: str) -> None:
    """Presses Tab (at most 40 times) until the element with that id has the focus."""
    for _ in range(40):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} is not reachable by Tab")


def work_when_queued(rt: Runtime) -> None:
    """Waits (at most 30 s) for a response to be queued, then runs what was queued, as a worker would."""
    deadline = time.monotonic() + 30
    while not rt.dispatcher.responses and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    drain(rt)

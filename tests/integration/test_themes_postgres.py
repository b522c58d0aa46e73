"""The stored taxonomy on real PostgreSQL: a fresh install reads the default, the store checks of tests/unit pass
again, and loads made at the same moment take turns on the version row rather than collide on the keys."""

import threading

import pytest

from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services.themes import current_taxonomy, load_themes
from tests.unit import test_themes

CHECKS = [
    test_themes.test_a_fresh_install_reads_the_default_at_version_zero,
    test_themes.test_a_load_replaces_the_taxonomy_and_bumps_the_version_only_on_change,
    test_themes.test_loading_the_default_on_a_fresh_install_changes_nothing,
    test_themes.test_a_file_with_a_mistake_changes_nothing,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_the_same_store_checks_on_postgresql(pg_runtime, check):
    check(pg_runtime)


def test_loads_at_the_same_moment_take_turns(pg_runtime):
    texts = [
        dump_themes(DEFAULT_TAXONOMY) + f"- key: extra_{n}\n  name: {{es: Extra {n}, en: Extra {n}}}\n"
        for n in range(6)
    ]
    start, failures = threading.Barrier(len(texts)), []

    def load(text: str) -> None:
        start.wait()
        try:
            load_themes(uow=pg_runtime.uow(), text=text, now=pg_runtime.clock())
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            failures.append(error)

    threads = [threading.Thread(target=load, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    final = current_taxonomy(uow=pg_runtime.uow())
    assert final.version == len(texts) and len(final.themes) == 11  # one whole file, never a mix of two

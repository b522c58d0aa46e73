import threading

import sqlalchemy as sa

from npsloop.store.database import make_engine


def test_the_embedded_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_concurrent_writers_on_sqlite_wait_for_each_other_instead_of_failing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with engine.begin() as connection:
                    n = connection.exec_driver_sql("SELECT n FROM counter").scalar()
                    connection.execute(sa.text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar() == 80  # no lost update
    assert errors == []
    engine.dispose()


def test_the_embedded_database_is_created_readable_by_its_owner_only(tmp_path):
    import os
    import stat

    from npsloop.store import migrate

    folder = tmp_path / "new" / "var"
    old = os.umask(0o022)  # the usual umask, under which SQLite alone would make 0644 files in 0755 folders
    try:
        migrate.upgrade(f"sqlite:///{folder / 'migrated.db'}")  # the demo's and `db upgrade`'s first touch
        engine = make_engine(f"sqlite:///{folder / 'npsloop.db'}")
        with engine.begin() as connection:  # WAL mode: the -wal and -shm files now exist too
            connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            files = sorted(folder.iterdir())
    finally:
        os.umask(old)
    assert {p.name for p in files} >= {"migrated.db", "npsloop.db", "npsloop.db-wal", "npsloop.db-shm"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
    for created in (folder, folder.parent):
        assert stat.S_IMODE(created.stat().st_mode) == 0o700
    engine.dispose()

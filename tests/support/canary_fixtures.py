"""A fixture of the tests of prompt canaries: conftest's clean database with no canary row at the start nor at the
end. A module binds it to the name its tests use (pytest finds fixtures by the names a module holds):

    no_canaries = canary_fixtures.no_canaries"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import db


def _delete_canaries(database_url: str) -> None:
    with db.connect(database_url) as conn:
        conn.execute("DELETE FROM prompt_canaries")
        conn.commit()


@pytest.fixture()
def no_canaries(clean_db: str) -> Iterator[str]:
    """Canary rows outlive clean_db's reset: start and end with none."""
    _delete_canaries(clean_db)
    yield clean_db
    _delete_canaries(clean_db)

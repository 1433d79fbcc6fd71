"""The menu-choice path's short-lived cache of the menu and the roster."""

from datetime import timedelta

import pytest

from callcenter.models import Field
from ivr import cache
from ivr.routing import dial_order
from tests.ivr_support import SEOUL


@pytest.fixture
def caching(app, settings):
    settings(IVR_CACHE_SECONDS=30)
    cache.clear()
    yield
    cache.clear()


def test_menu_is_reused_until_the_cache_expires(app, db, caching):
    with app.test_request_context():
        before = cache.menu_fields(db)
        db.add(Field(code="housing", digit="5", name_ko="주거", name_en="Housing", position=5))
        db.commit()
        assert cache.menu_fields(db) == before
        cache.clear()
        assert "housing" in [f.code for f in cache.menu_fields(db)]


def test_busy_flags_are_read_fresh_even_with_a_cached_roster(app, db, on_shift, clock, caching):
    counselor = on_shift("legal")
    field_id = counselor.fields[0].id
    with app.test_request_context():
        assert dial_order(db, field_id, clock.now, SEOUL) == [(counselor.id, counselor.phone)]
        counselor.busy_since, counselor.busy_call_sid = clock.now, "CAlive"
        db.commit()
        assert dial_order(db, field_id, clock.now, SEOUL) == []


def test_roster_is_read_again_in_the_next_minute(app, db, on_shift, clock, caching):
    counselor = on_shift("legal")
    field_id = counselor.fields[0].id
    with app.test_request_context():
        ending = clock.now.replace(hour=16, minute=59)
        assert cache.rostered_ids(db, field_id, ending, SEOUL) == (counselor.id,)
        assert cache.rostered_ids(db, field_id, ending + timedelta(minutes=1), SEOUL) == ()


def test_a_roster_read_overtaken_by_a_clear_is_not_kept(db, settings):
    settings(IVR_CACHE_SECONDS=300)
    loads = []

    def load_while_a_roster_edit_commits():
        loads.append(len(loads) + 1)
        cache.clear()
        return loads[-1]

    assert cache._cached(("overtaken",), load_while_a_roster_edit_commits) == 1
    assert cache._cached(("overtaken",), load_while_a_roster_edit_commits) == 2

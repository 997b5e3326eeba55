"""Bodies read on demand: an article taken from the cache finds its body there, in any process."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path

import pytest

from newsgen import bodies, cache
from newsgen.errors import BuildFailed
from tests.unit.test_pages import make


@pytest.fixture
def stored(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A cache holding one article's body, and that article as a rebuild loads it (no body)."""
    store = cache.BuildCache(tmp_path / "c")
    body = "<p>Bão số 3 đổ bộ.</p>"
    assert store.add_parsed({"k1": ((), b"lean", "d1", b"", body)})
    article = dataclasses.replace(
        make("bao", "2025-04-20T08:00"), digest="d1", body_html="", body_stored=True
    )
    bodies.use(store.articles_db)
    yield article, body
    bodies.use(None)
    store.close()


def test_an_article_in_memory_keeps_its_body() -> None:
    article = dataclasses.replace(make("bao", "2025-04-20T08:00"), body_html="<p>Tin.</p>")
    bodies.use(None)
    assert bodies.body_of(article) == "<p>Tin.</p>"


def test_a_stored_body_is_read_from_the_cache(stored) -> None:  # type: ignore[no-untyped-def]
    article, body = stored
    assert article.body_html == ""
    assert bodies.body_of(article) == body


def _read_in_child(article, queue) -> None:  # type: ignore[no-untyped-def]
    queue.put(bodies.body_of(article))


def test_a_forked_render_worker_reads_bodies_on_its_own_connection(stored) -> None:  # type: ignore[no-untyped-def]
    article, body = stored
    assert bodies.body_of(article) == body  # the parent's connection is open before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_child, args=(article, queue))
    child.start()
    assert queue.get(timeout=20) == body
    child.join(20)
    assert bodies.body_of(article) == body  # and the parent's still works


def test_a_missing_body_names_the_article_and_the_fix(stored) -> None:  # type: ignore[no-untyped-def]
    article, _ = stored
    lost = dataclasses.replace(article, digest="gone")
    with pytest.raises(BuildFailed) as failed:
        bodies.body_of(lost)
    problem = failed.value.problems[0]
    assert problem.path == article.rel
    assert "--no-cache" in problem.hint

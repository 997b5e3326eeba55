"""Compiled templates kept in the cache folder: reused by the next process, never stale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsgen import render
from newsgen.config import SiteConfig

NOW = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)


def site(tmp_path: Path, template: str, base_url: str = "https://bao.example/") -> SiteConfig:
    """A site whose templates/ folder overrides the theme's 404 page with `template`."""
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "404.html").write_text(template, encoding="utf-8")
    return SiteConfig(site_dir=tmp_path, base_url=base_url)


def page(config: SiteConfig, folder: Path) -> str:
    """Render the 404 template as a new process would (nothing compiled in memory)."""
    render._COMPILED.clear()
    env = render.make_environment(config, NOW, (), folder)
    return env.get_template("404.html").render()


@pytest.fixture(autouse=True)
def _forget_compiled() -> None:
    render._COMPILED.clear()


def test_compiled_templates_are_kept_for_the_next_process(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "templates"
    config = site(tmp_path, "<a href=\"{{ '/tin/'|url }}\">Tin</a>")
    assert page(config, folder) == '<a href="/tin/">Tin</a>'
    assert [p.suffix for p in folder.iterdir()] == [".jinja"]
    assert page(config, folder) == '<a href="/tin/">Tin</a>'


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "templates"
    assert page(site(tmp_path, "Cũ"), folder) == "Cũ"
    assert page(site(tmp_path, "Mới"), folder) == "Mới"


def test_code_compiled_for_another_base_path_is_not_used(tmp_path: Path) -> None:
    # Jinja folds '/tin/'|url into the compiled code: it holds the base path
    folder = tmp_path / "cache" / "templates"
    template = "{{ '/tin/'|url }}"
    assert page(site(tmp_path, template), folder) == "/tin/"
    moved = site(tmp_path, template, "https://user.github.io/bao/")
    assert page(moved, folder) == "/bao/tin/"


def test_an_unwritable_folder_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder", encoding="utf-8")
    assert page(site(tmp_path, "Tin"), blocker / "templates") == "Tin"


def test_once_renders_a_macro_once_per_item_and_arguments_in_a_build(tmp_path: Path) -> None:
    config = site(tmp_path, "")
    (tmp_path / "templates" / "_m.html").write_text(
        "{% macro card(item, size='') %}<b>{{ item.title }}{{ size }}</b>{% endmacro %}",
        encoding="utf-8",
    )
    calls: list[str] = []

    class Item:
        def __init__(self, title: str) -> None:
            self.title = title

    page = '{% from "_m.html" import card %}{% for i in items %}{{ once(card, i) }}{% endfor %}'
    env = render.make_environment(config, NOW, (), None)
    card = env.get_template("_m.html").module.card  # type: ignore[attr-defined]

    def counting(item: Item, *args: str, **kwargs: str) -> str:
        calls.append(item.title)
        return str(card(item, *args, **kwargs))

    once = env.globals["once"]
    a, b = Item("A"), Item("B")
    assert [str(once(counting, x)) for x in (a, b, a, a)] == ["<b>A</b>", "<b>B</b>"] + ["<b>A</b>"] * 2
    assert calls == ["A", "B"]  # A's card rendered once
    assert str(once(counting, a, size="L")) == "<b>AL</b>" and calls[-1] == "A"
    assert env.from_string(page).render(items=[a, b, a]) == "<b>A</b><b>B</b><b>A</b>"
    a.title = "A2"  # a new build makes new items and a new environment: nothing carries over
    fresh = render.make_environment(config, NOW, (), None)
    assert fresh.from_string(page).render(items=[a]) == "<b>A2</b>"

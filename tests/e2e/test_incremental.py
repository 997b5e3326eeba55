"""A build with the cache gives byte-for-byte what a cold build gives, through edits of every kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newsgen import output as output_module
from newsgen import site as site_module
from newsgen.cache import Reuse
from newsgen.config import load_config
from newsgen.errors import BuildFailed
from newsgen.pages import Page
from newsgen.request import BuildRequest, BuildResult
from newsgen.site import build
from newsgen.sources import Source
from tests.conftest import REPO, article, jpeg, write_site

NOW = dt.datetime(2025, 5, 1, 5, 0, tzinfo=dt.UTC)
Edit = Callable[[Path], None]


def _articles() -> dict[str, str | bytes]:
    """Six articles across two categories, sharing tags so related lists and listings overlap."""
    files: dict[str, str | bytes] = {}
    for i in range(6):
        folder = "thoi-su" if i % 2 else "kinh-te"
        files[f"content/{folder}/bai-{i}.md"] = article(
            f"Bài số {i} về giá điện",
            f"2025-04-{10 + i:02d} 08:00",
            f"Đoạn mở đầu của bài {i}.\n\nGiá điện tăng, người dân lo lắng {i}.",
            tags="[Giá điện, Năng lượng]",
            **({"slug": "bai-so-5-ve-gia-dien"} if i == 5 else {}),
        )
    return files


def _build(site_dir: Path, output: Path, **options: object) -> BuildResult:
    """Build in-process (one worker unless told), the way CI would."""
    options.setdefault("jobs", 1)
    request = BuildRequest(config=load_config(site_dir), output=output, now=NOW, **options)  # type: ignore[arg-type]
    return build(request)


def _tree(root: Path) -> dict[str, bytes]:
    """Read every file of an output folder."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _assert_same_as_cold(site_dir: Path, output: Path, tmp_path: Path) -> None:
    """Build the same input cold into a fresh folder and compare every byte."""
    cold = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    _build(site_dir, cold, no_cache=True)
    incremental, fresh = _tree(output), _tree(cold)
    assert sorted(incremental) == sorted(fresh)
    different = [rel for rel in fresh if incremental[rel] != fresh[rel]]
    assert different == []


def _assert_same_as_cold_request(request: BuildRequest, cold: Path, **uncached: object) -> None:
    """Build a request again into a fresh folder without what it reuses, and compare."""
    build(dataclasses.replace(request, output=cold, **uncached))  # type: ignore[arg-type]
    assert _tree(request.output) == _tree(cold)


WORDS = ["giá điện", "bão số 3", "trí tuệ nhân tạo", "giá vàng", "học sinh"]


def _topics(n: int) -> dict[str, str | bytes]:
    """N articles on five topics (one each a day, 28 a month), related by shared words and tags."""
    files: dict[str, str | bytes] = {}
    for i in range(n):
        topic = WORDS[i % len(WORDS)]
        files[f"content/thoi-su/bai-{i}.md"] = article(
            f"Bài {i} về {topic}",
            f"2025-04-{1 + i % 28:02d} {8 + i // 28:02d}:00",
            f"Tin về {topic} số {i}.\n\nNgười dân quan tâm tới {topic} và {WORDS[(i + 1) % 5]}.",
            tags=f"[{topic.title()}]",
        )
    return files


def _append(path: Path, line: str) -> None:
    """Add a line at the end of an article's body."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    """Change the first occurrence of some text in a file."""
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _edit_body(site_dir: Path) -> None:
    _append(site_dir / "content/kinh-te/bai-0.md", "Thêm một câu mới.")


def _edit_lead(site_dir: Path) -> None:
    """The first paragraph is the sapo every listing shows: URL and title stay, lists change."""
    _replace(site_dir / "content/kinh-te/bai-0.md", "Đoạn mở đầu", "Đoạn mở đầu đã sửa")


def _retitle(site_dir: Path) -> None:
    """A new title under a fixed slug: same URL, but every "Xem thêm" showing it changes."""
    path = site_dir / "content/thoi-su/bai-5.md"
    text = path.read_text(encoding="utf-8").replace("Bài số 5 về", "Tin số 5 về")
    path.write_text(text, encoding="utf-8")


def _edit_title(site_dir: Path) -> None:
    path = site_dir / "content/thoi-su/bai-1.md"
    text = path.read_text(encoding="utf-8").replace("Bài số 1", "Bài đổi tên")
    path.write_text(text, encoding="utf-8")


def _add(site_dir: Path) -> None:
    (site_dir / "content/thoi-su/moi.md").write_text(
        article("Bài mới về giá điện", "2025-04-30 07:00", "Bài mới.", tags="[Giá điện]"),
        encoding="utf-8",
    )


def _delete(site_dir: Path) -> None:
    (site_dir / "content/kinh-te/bai-2.md").unlink()


def _rename(site_dir: Path) -> None:
    target = site_dir / "content/van-hoa"
    target.mkdir(exist_ok=True)
    (site_dir / "content/thoi-su/bai-3.md").rename(target / "bai-3.md")


def _retag(site_dir: Path) -> None:
    """A tag renamed on one article: tag pages, counts and every page linking the tag change."""
    path = site_dir / "content/kinh-te/bai-4.md"
    text = path.read_text(encoding="utf-8").replace("Năng lượng", "Điện hạt nhân")
    path.write_text(text, encoding="utf-8")


def _recategorise(site_dir: Path) -> None:
    """An article moved to another section: its URL, the section lists and related entries change."""
    path = site_dir / "content/kinh-te/bai-2.md"
    if path.exists():
        text = path.read_text(encoding="utf-8").replace("---\n", "---\ncategory: Văn hóa\n", 1)
        path.write_text(text, encoding="utf-8")


def _template(site_dir: Path) -> None:
    templates = site_dir / "templates"
    templates.mkdir(exist_ok=True)
    base = (REPO / "themes/default/templates/base.html").read_text(encoding="utf-8")
    (templates / "base.html").write_text(base.replace("</body>", "<!-- v2 --></body>"), "utf-8")


def _config(site_dir: Path) -> None:
    path = site_dir / "newsgen.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "per_page: 2\n", encoding="utf-8")


EDITS: list[tuple[str, Edit]] = [
    ("edit body", _edit_body),
    ("edit lead", _edit_lead),
    ("retitle", _retitle),
    ("edit title", _edit_title),
    ("add", _add),
    ("delete", _delete),
    ("rename", _rename),
    ("retag", _retag),
    ("recategorise", _recategorise),
    ("template", _template),
    ("config", _config),
]


@pytest.mark.parametrize("name, edit", EDITS, ids=[name for name, _ in EDITS])
def test_incremental_build_matches_cold_build(tmp_path: Path, name: str, edit: Edit) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    edit(site_dir)
    _build(site_dir, output)
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_every_edit_in_a_row_matches_cold_build(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    for _name, edit in EDITS:
        edit(site_dir)
        _build(site_dir, output)
        _assert_same_as_cold(site_dir, output, tmp_path)


# `newsgen build` whose first stage reads in a forked child whatever the site's size, saying
# on stderr whether it forked
_FORKED_BUILD = """
import sys
from newsgen import forked, shortcut
from newsgen.cli import main
shortcut.FORK_FROM = 0
start = forked.Forked.start
def start_counted(func):
    child = start(func)
    print("forked" if child is not None else "not-forked", file=sys.stderr)
    return child
forked.Forked.start = start_counted
site, output, now = sys.argv[1:]
sys.exit(main(["--lang", "en", "build", "--site", site, "--output", output, "--now", now, "--jobs", "1"]))
"""


def test_builds_reading_in_a_forked_child_match_cold_builds(tmp_path: Path) -> None:
    """The forked reader sends back paths and hashes (a photo's too); what the build parses
    must be the same."""
    files = _articles()
    files["content/kinh-te/anh.jpg"] = jpeg(40, 30)
    _replace_in(files, "content/kinh-te/bai-2.md", "Đoạn mở đầu", "![Ảnh](anh.jpg)\n\nĐoạn mở đầu")
    site_dir = write_site(tmp_path / "site", files)
    output = tmp_path / "public"

    def forked_build() -> str:
        done = subprocess.run(
            [sys.executable, "-c", _FORKED_BUILD, str(site_dir), str(output), NOW.isoformat()],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "forked" in done.stderr.split()
        return done.stdout

    def new_photo(site_dir: Path) -> None:
        (site_dir / "content/kinh-te/anh.jpg").write_bytes(jpeg(60, 40))

    assert forked_build().startswith("built 6 articles")
    for edit in (_edit_body, _add, new_photo, _delete, _rename, _retitle, _template):
        edit(site_dir)
        assert forked_build().startswith("built ")
        _assert_same_as_cold(site_dir, output, tmp_path)
    assert forked_build().startswith("nothing changed since the last build of 6 articles")


def test_unchanged_rebuild_renders_nothing_and_keeps_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    page = output / "kinh-te/bai-so-0-ve-gia-dien/index.html"
    inode = page.stat().st_ino

    def no_rendering(*_args: object) -> bytes:
        raise AssertionError("an unchanged page was rendered again")

    def no_parsing(*_args: object) -> object:
        raise AssertionError("an unchanged article was parsed again")

    monkeypatch.setattr(site_module, "render_page", no_rendering)
    monkeypatch.setattr(site_module, "parse_article", no_parsing)
    result = _build(site_dir, output)
    assert result.written == 0
    assert page.stat().st_ino == inode


def test_one_edit_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    untouched = output / "tag/nang-luong/index.html"
    inode = untouched.stat().st_ino
    path = site_dir / "content/kinh-te/bai-0.md"
    path.write_text(path.read_text(encoding="utf-8").replace("người dân", "bà con"), "utf-8")
    result = _build(site_dir, output)
    changed = {w.rel for w in result.files if w.changed}
    assert "kinh-te/bai-so-0-ve-gia-dien/index.html" in changed
    assert untouched.stat().st_ino == inode
    assert len(changed) < len(result.files) // 2


def test_a_rebuild_reads_from_the_cache_only_the_bodies_it_shows(tmp_path: Path) -> None:
    """Bodies stay in the cache: a rebuild holds none in memory, and the pages it renders show
    them whole (in the new article's page, and in the feeds, which carry full bodies)."""
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output, jobs=2)
    path = site_dir / "content/kinh-te/bai-0.md"
    path.write_text(path.read_text(encoding="utf-8").replace("người dân", "bà con"), "utf-8")
    result = _build(site_dir, output, jobs=2)
    assert result.index is not None
    assert all(a.body_stored and a.body_html == "" for a in result.index.articles)
    page = (output / "kinh-te/bai-so-0-ve-gia-dien/index.html").read_text(encoding="utf-8")
    assert "Giá điện tăng, bà con lo lắng 0." in page
    assert "bà con lo lắng 0." in (output / "rss.xml").read_text(encoding="utf-8")
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_a_build_without_cache_keeps_bodies_on_disk_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    """--no-cache: bodies wait in a throwaway database beside the output, removed at the end."""
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    result = _build(site_dir, output, no_cache=True)
    assert result.index is not None
    assert all(a.body_stored and a.body_html == "" for a in result.index.articles)
    page = (output / "kinh-te/bai-so-0-ve-gia-dien/index.html").read_text(encoding="utf-8")
    assert "Giá điện tăng, người dân lo lắng 0." in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]
    (tmp_path / ".public.newsgen-bodies-left-by-a-killed-build").mkdir()
    _build(site_dir, output)  # with the cache: no database of its own, but it tidies up
    assert not [p for p in tmp_path.iterdir() if "bodies" in p.name]


def test_image_appearing_is_seen_through_the_cache(tmp_path: Path) -> None:
    files = _articles()
    files["content/kinh-te/anh.md"] = article("Bài có ảnh", "2025-04-20 08:00", "![Ảnh](hinh.jpg)")
    site_dir = write_site(tmp_path / "site", files)
    output = tmp_path / "public"
    with pytest.raises(BuildFailed) as failed:
        _build(site_dir, output)
    assert "hinh.jpg" in failed.value.problems[0].message
    (site_dir / "content/kinh-te/hinh.jpg").write_bytes(jpeg(40, 30))
    _build(site_dir, output)
    _assert_same_as_cold(site_dir, output, tmp_path)
    (site_dir / "content/kinh-te/hinh.jpg").unlink()
    with pytest.raises(BuildFailed):
        _build(site_dir, output)


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    cache = site_dir / ".newsgen/cache"
    for path in cache.iterdir():
        if path.is_file():
            path.write_bytes(b"garbage")
    _edit_body(site_dir)
    _build(site_dir, output)
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_cache_dir_and_no_cache(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    _build(site_dir, tmp_path / "a", no_cache=True)
    assert not (site_dir / ".newsgen").exists()
    _build(site_dir, tmp_path / "b", cache_dir=tmp_path / "ci-cache")
    assert (tmp_path / "ci-cache/articles.sqlite").is_file()
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_preview_reuse_in_memory_matches_cold_build(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    reuse = Reuse()
    _build(site_dir, output, no_cache=True, reuse=reuse)
    for _name, edit in EDITS:
        edit(site_dir)
        _build(site_dir, output, no_cache=True, reuse=reuse)
        _assert_same_as_cold(site_dir, output, tmp_path)
    assert not (site_dir / ".newsgen").exists()


@pytest.mark.slow
def test_parallel_incremental_build_matches_cold_build(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for i in range(150):
        files[f"content/muc-{i % 5}/bai-{i}.md"] = article(
            f"Tin số {i} về giao thông", f"2025-03-{1 + i % 28:02d} 08:{i % 60:02d}", f"Bài {i}."
        )
    site_dir = write_site(tmp_path / "site", files)
    output = tmp_path / "public"
    _build(site_dir, output, jobs=2)
    shutil.rmtree(site_dir / "content/muc-1")
    edited = site_dir / "content/muc-0/bai-0.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nSửa.\n", encoding="utf-8")
    _build(site_dir, output, jobs=2)
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_a_later_build_time_alone_renders_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview and CI build with the clock's time: pages that do not show it stay as they are."""
    rendered: list[str] = []
    original = site_module.render_page

    def counting(env: object, page: object) -> bytes:
        rendered.append(getattr(page, "url", ""))
        return original(env, page)  # type: ignore[arg-type]

    def rebuild_after_edit(name: str, later: dt.timedelta) -> set[str]:
        site_dir = write_site(tmp_path / name, _articles())
        output = tmp_path / f"{name}-public"
        _build(site_dir, output)
        _edit_body(site_dir)  # something to build, so the whole-build shortcut does not apply
        rendered.clear()
        request = BuildRequest(config=load_config(site_dir), output=output, now=NOW + later, jobs=1)
        build(request)
        return set(rendered)

    monkeypatch.setattr(site_module, "render_page", counting)
    same_time = rebuild_after_edit("a", dt.timedelta(0))
    an_hour_later = rebuild_after_edit("b", dt.timedelta(hours=1))
    assert "/kinh-te/bai-so-0-ve-gia-dien/" in same_time
    assert an_hour_later == same_time
    assert "/404.html" not in an_hour_later


def test_preview_reuse_through_many_body_edits_matches_cold_build(tmp_path: Path) -> None:
    """Twenty articles edited one after another: the kept related index stays exact."""
    site_dir = write_site(tmp_path / "site", _topics(20))
    output = tmp_path / "public"
    reuse = Reuse()
    _build(site_dir, output, no_cache=True, reuse=reuse)
    for i in (3, 7, 11, 3):
        path = site_dir / f"content/thoi-su/bai-{i}.md"
        extra = f"\nThêm đoạn về {WORDS[(i + 2) % 5]} và {WORDS[(i + 3) % 5]} lần {i}.\n"
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
        _build(site_dir, output, no_cache=True, reuse=reuse)
        _assert_same_as_cold(site_dir, output, tmp_path)


def test_preview_plans_from_its_last_plan_as_the_clock_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's rebuilds plan only what an edit reaches, and still equal a cold build.

    Before the third save an embargo lifts (its badge goes, the feeds and the sitemap take the
    article: that build plans everything), and listings are paginated, so a kept page that
    should have changed would show.
    """
    from newsgen import pages as pages_module

    files = _articles()
    files["content/thoi-su/hen-gio.md"] = article(
        "Bài hẹn giờ về giá điện", "2025-05-01 12:30", "Giá điện sắp tăng.", tags="[Giá điện]"
    )
    config = "title: Báo Thử\nbase_url: https://bao.example/\nper_page: 2\n"
    site_dir = write_site(tmp_path / "site", files, config)
    output = tmp_path / "public"
    reuse = Reuse()
    preview = {"no_cache": True, "reuse": reuse, "drafts": True, "future": True}
    planned: list[int] = []
    original = pages_module._listing_page

    def counting(*args: object, **kwargs: object) -> object:
        planned.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages_module, "_listing_page", counting)
    clock = NOW
    everything = 0
    for step, edit in enumerate((None, _edit_body, _edit_lead, _retitle, _edit_body)):
        if edit is not None:
            edit(site_dir)
        planned.clear()
        request = BuildRequest(config=load_config(site_dir), output=output, now=clock, **preview)  # type: ignore[arg-type]
        build(request)
        if step == 0:
            everything = len(planned)
        elif step != 2:  # planned from the last plan: only the listings showing the edited article
            assert 0 < len(planned) < everything / 2
        _assert_same_as_cold_request(request, tmp_path / f"cold-{step}", reuse=None)
        clock += dt.timedelta(minutes=20)


def test_a_restarted_preview_updates_the_related_index_its_last_run_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview keeps its related index in its cache folder when it stops; the next start
    updates it instead of ranking every article again, with the same lists."""

    site_dir = write_site(tmp_path / "site", _topics(40))
    output, cache_dir = tmp_path / "preview", tmp_path / "preview-cache"
    preview = {"reuse": Reuse(), "cache_dir": cache_dir}
    _build(site_dir, output, **preview)
    assert not (cache_dir / "related.pickle").exists()  # written when the preview stops
    preview["reuse"].flush()  # type: ignore[attr-defined]
    assert (cache_dir / "related.pickle").is_file() and (cache_dir / "shape.pickle").is_file()
    path = site_dir / "content/thoi-su/bai-7.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nPhóng viên Lê Bảy đưa tin.\n", "utf-8")
    with monkeypatch.context() as watching:
        full = _count_full_rankings(watching)
        _build(site_dir, output, reuse=Reuse(), cache_dir=cache_dir)  # a new start
    assert full == []
    _assert_same_as_cold(site_dir, output, tmp_path)


def _count_full_rankings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every full ranking of the related index leave a mark in the returned list."""
    from newsgen import related

    full: list[int] = []
    original = related.RelatedIndex._build

    def counting(self: related.RelatedIndex, *args: object, **kwargs: object) -> object:
        full.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(related.RelatedIndex, "_build", counting)
    return full


def test_a_new_process_updates_the_last_builds_related_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI: the related index is kept in the cache folder; an edit updates it, exactly."""

    site_dir = write_site(tmp_path / "site", _topics(40))
    output = tmp_path / "public"
    _build(site_dir, output)
    saved = site_dir / ".newsgen/cache/related.pickle"
    written = saved.stat().st_mtime_ns
    full: list[int] = []
    # the saved index is not rewritten for a few edits: each build redoes them from it, exactly
    for name, extra in [("bai-7", "Phóng viên Lê Bảy đưa tin"), ("bai-7", "Ảnh tại Quảng Ninh")]:
        path = site_dir / f"content/thoi-su/{name}.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\n{extra}.\n", encoding="utf-8")
        with monkeypatch.context() as watching:
            marks = _count_full_rankings(watching)
            _build(site_dir, output)
        full += marks
        _assert_same_as_cold(site_dir, output, tmp_path)
    assert full == []
    assert saved.stat().st_mtime_ns == written
    monkeypatch.setattr(site_module, "_RELATED_DRIFT", 2)
    for i in (3, 11, 19):  # more edits than the drift allowed: saved again, still exact
        other = site_dir / f"content/thoi-su/bai-{i}.md"
        other.write_text(other.read_text(encoding="utf-8") + "\nCập nhật.\n", encoding="utf-8")
    _build(site_dir, output)
    assert saved.stat().st_mtime_ns != written
    _assert_same_as_cold(site_dir, output, tmp_path)
    (site_dir / ".newsgen/cache/related.pickle").write_bytes(b"not a pickle")
    path.write_text(path.read_text(encoding="utf-8") + "\nThêm.\n", encoding="utf-8")
    _build(site_dir, output)  # a damaged file: ranked from scratch, the same lists
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_a_new_process_plans_from_the_last_builds_records_as_the_clock_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI rebuilds work out the dependencies of only the article pages an edit reaches (the
    others take their keys from the records, which note what their build planned from), and
    still equal a cold build: through body and lead edits, a new title, and an embargo lifting
    between two builds (its badge goes from the article page)."""
    from newsgen import pages as pages_module

    files = _topics(25)
    files["content/thoi-su/hen-gio.md"] = article(
        "Bài hẹn giờ về giá điện", "2025-05-01 12:30", "Giá điện sắp tăng.", tags="[Giá Điện]"
    )
    config = "title: Báo Thử\nbase_url: https://bao.example/\nper_page: 4\n"
    site_dir = write_site(tmp_path / "site", files, config)
    output = tmp_path / "public"
    planned: list[str] = []
    original = pages_module._article_page

    def counting(*args: object, **kwargs: object) -> object:
        page = original(*args, **kwargs)  # type: ignore[arg-type]
        if page.deps is not None:  # planned from its dependencies, not from the record
            planned.append(page.url)
        return page

    def edit_body(site_dir: Path) -> None:
        _append(site_dir / "content/thoi-su/bai-7.md", "Một câu mới.")

    def edit_lead(site_dir: Path) -> None:
        _replace(site_dir / "content/thoi-su/bai-12.md", "Tin về", "Tin mới về")

    def retitle(site_dir: Path) -> None:  # under the same slug: the URL stays
        slugged = 'slug: bai-3-ve-gia-vang\ntitle: "Tin 3'
        _replace(site_dir / "content/thoi-su/bai-3.md", 'title: "Bài 3', slugged)

    monkeypatch.setattr(pages_module, "_article_page", counting)
    clock = NOW
    options = {"drafts": True, "future": True}
    for step, edit in enumerate((None, edit_body, edit_lead, retitle, edit_body)):
        if edit is not None:
            edit(site_dir)
        planned.clear()
        request = BuildRequest(config=load_config(site_dir), output=output, now=clock, jobs=1, **options)  # type: ignore[arg-type]
        build(request)
        if step == 0:
            assert len(planned) == 26
        else:  # the edited article's page and those whose lists show it or changed
            assert planned and len(planned) < 26 / 2, (step, planned)
        if step == 2:  # the embargo lifted since the last build: the article loses its badge
            assert "/thoi-su/bai-hen-gio-ve-gia-dien/" in planned
        _assert_same_as_cold_request(request, tmp_path / f"cold-{step}", no_cache=True)
        clock += dt.timedelta(minutes=20)


def test_a_new_process_takes_articles_from_the_snapshot_and_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI rebuilds load the cached articles from one snapshot: an edit is parsed alone and does
    not rewrite it, and an article put back as it was (its first parse's row dropped by the
    build in between, still in the snapshot) is parsed again; each build equals a cold one."""
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    snapshot = site_dir / ".newsgen/cache/articles.pickle"
    first = snapshot.stat()
    parsed: list[str] = []
    original = site_module.parse_article

    def counting(source: object, *args: object) -> object:
        parsed.append(getattr(source, "rel", ""))
        return original(source, *args)  # type: ignore[arg-type]

    from newsgen.cache import BuildCache

    taken: list[int] = []
    from_snapshot = BuildCache._from_snapshot

    def snapshot_counting(self: BuildCache, keys: list[str]) -> object:
        found = from_snapshot(self, keys)
        taken.append(len(found))
        return found

    monkeypatch.setattr(site_module, "parse_article", counting)
    monkeypatch.setattr(BuildCache, "_from_snapshot", snapshot_counting)
    path = site_dir / "content/kinh-te/bai-0.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("người dân", "bà con"), encoding="utf-8")
    _build(site_dir, output)
    assert parsed == ["content/kinh-te/bai-0.md"]
    assert taken == [5]  # the five others
    assert snapshot.stat().st_ino == first.st_ino  # one edit leaves the snapshot as it is
    _assert_same_as_cold(site_dir, output, tmp_path)
    parsed.clear()
    path.write_text(text, encoding="utf-8")
    _build(site_dir, output)
    assert parsed == ["content/kinh-te/bai-0.md"]
    _assert_same_as_cold(site_dir, output, tmp_path)
    assert "Giá điện tăng, người dân lo lắng 0." in (
        output / "kinh-te/bai-so-0-ve-gia-dien/index.html"
    ).read_text(encoding="utf-8")


def _restore_as_ci_does(output: Path) -> None:
    """Put a copy of an output folder in its place, as a CI runner restores it from its cache:
    the same bytes under new inodes, and no spare beside it (the spare is not cached)."""
    copy = output.with_name(output.name + "-restored")
    shutil.copytree(output, copy)
    shutil.rmtree(output)
    for spare in output.parent.glob(f".{output.name}.newsgen-*"):
        shutil.rmtree(spare)
    copy.rename(output)


def _rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note the URL of every page rendered from now on."""
    rendered: list[str] = []
    real = site_module.render_page

    def noting(env: object, page: Page) -> bytes:
        rendered.append(page.url)
        return real(env, page)  # type: ignore[arg-type]

    monkeypatch.setattr(site_module, "render_page", noting)
    return rendered


def test_an_output_restored_by_a_ci_cache_is_kept_by_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI runner that caches public/ with .newsgen/ renders what a local rebuild renders."""
    local, restored = tmp_path / "local", tmp_path / "ci"
    rendered = _rendering(monkeypatch)
    for folder in (local, restored):
        write_site(folder, _articles())
        _build(folder, folder / "public")
    every = len(rendered) // 2
    rendered.clear()
    _restore_as_ci_does(restored / "public")
    for folder in (local, restored):
        _edit_body(folder)
        _build(folder, folder / "public")
    half = len(rendered) // 2
    assert rendered[:half] == rendered[half:]  # the same pages, in the same order
    assert "/kinh-te/bai-so-0-ve-gia-dien/" in rendered[half:]
    assert half < every
    _assert_same_as_cold(restored, restored / "public", tmp_path)


def test_the_records_follow_a_restored_output_to_its_new_inodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one build has recognised the restored files by their bytes, the next one keeps
    them by their inodes again, without reading them."""
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    _restore_as_ci_does(output)
    _edit_body(site_dir)
    _build(site_dir, output)

    def no_hashing(path: str) -> bytes:
        raise AssertionError(f"{path} was read to be recognised again")

    monkeypatch.setattr(output_module, "file_hash", no_hashing)
    _append(site_dir / "content/kinh-te/bai-0.md", "Và thêm một câu nữa.")
    result = _build(site_dir, output)
    assert 0 < result.written < len(result.files) // 2


def test_a_restored_file_with_other_bytes_of_the_same_size_is_rendered_again(
    tmp_path: Path,
) -> None:
    site_dir = write_site(tmp_path / "site", _articles())
    output = tmp_path / "public"
    _build(site_dir, output)
    _restore_as_ci_does(output)
    page = output / "thoi-su/bai-so-1-ve-gia-dien/index.html"
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<title>", b"<TITLE>"))
    assert page.stat().st_size == len(data)
    result = _build(site_dir, output)  # nothing changed but the output folder
    assert result.written == 1
    assert page.read_bytes() == data
    _assert_same_as_cold(site_dir, output, tmp_path)


def _parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note the path of every article parsed from now on."""
    parsed: list[str] = []
    real = site_module.parse_article

    def noting(source: Source, *args: object) -> object:
        parsed.append(source.rel)
        return real(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(site_module, "parse_article", noting)
    return parsed


def test_a_site_checked_out_in_another_folder_keeps_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another CI runner's folder: the same cache and output (copied: new inodes) elsewhere
    parse and render what a rebuild in the first folder does, photos included, and nothing
    is read from the first folder (gone by then)."""
    files = _articles()
    files["content/kinh-te/anh.jpg"] = jpeg(40, 30)
    _replace_in(files, "content/kinh-te/bai-2.md", "Đoạn mở đầu", "![Ảnh](anh.jpg)\n\nĐoạn mở đầu")
    local, moved = tmp_path / "runner-1" / "site", tmp_path / "runner-2" / "site"
    write_site(local, files)
    _build(local, local / "public")
    shutil.copytree(local, moved)  # the cache folder and the output, as new files
    parsed, rendered = _parsing(monkeypatch), _rendering(monkeypatch)
    for folder in (local, moved):
        _edit_body(folder)
        _build(folder, folder / "public")
        shutil.rmtree(local.parent, ignore_errors=True)
    assert parsed == ["content/kinh-te/bai-0.md"] * 2  # the photo's article is not parsed again
    assert rendered[: len(rendered) // 2] == rendered[len(rendered) // 2 :]
    _assert_same_as_cold(moved, moved / "public", tmp_path)


def _replace_in(files: dict[str, str | bytes], rel: str, old: str, new: str) -> None:
    """Change the text of one file of a site about to be written."""
    text = files[rel]
    assert isinstance(text, str) and old in text
    files[rel] = text.replace(old, new, 1)


def test_a_new_article_renders_only_the_pages_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commonest rebuild of a newsroom: pages that do not show the new article (most of
    the site) are not rendered again, though its section, tag and author now count one more."""
    files = _topics(30)
    files["content/kinh-te/khac.md"] = article(
        "Bài về chứng khoán", "2025-03-02 08:00", "Thị trường chứng khoán.", tags="[Chứng khoán]"
    )
    site_dir = write_site(tmp_path / "site", files)
    output = tmp_path / "public"
    _build(site_dir, output)
    rendered = _rendering(monkeypatch)
    (site_dir / "content/thoi-su/moi.md").write_text(
        article(
            "Bài mới về giá vàng", "2025-04-30 07:00", "Giá vàng tăng.", tags="[Giá Vàng]", author="Lan"
        ),
        encoding="utf-8",
    )
    result = _build(site_dir, output)
    changed = {"/" + w.rel.removesuffix("index.html") for w in result.files if w.changed}
    assert "/kinh-te/bai-ve-chung-khoan/" not in rendered  # another section, tag and topic
    assert set(rendered) - changed == set()  # every page rendered again had changed
    _assert_same_as_cold(site_dir, output, tmp_path)


def test_another_address_reuses_the_parses_and_another_path_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build for another address (a staging copy, a local one) takes the parses made for the
    site's address; a site moved under a path (/bao/) writes its image URLs anew."""
    site_dir = write_site(tmp_path / "site", _articles())
    (site_dir / "static").mkdir()
    (site_dir / "static/logo.jpg").write_bytes(jpeg(40, 30))
    _append(site_dir / "content/kinh-te/bai-0.md", "![Logo](/logo.jpg)")

    def build_for(base_url: str, output: Path) -> None:
        config = load_config(site_dir, {"base_url": base_url})
        build(BuildRequest(config=config, output=output, now=NOW, jobs=1))

    build_for("https://bao.example/", tmp_path / "public")
    parsed = _parsing(monkeypatch)
    build_for("http://localhost:8000/", tmp_path / "preview")
    assert parsed == []
    build_for("https://example.com/bao/", tmp_path / "under")
    assert len(parsed) == 6
    page = (tmp_path / "under/kinh-te/bai-so-0-ve-gia-dien/index.html").read_text("utf-8")
    assert 'src="/bao/logo.jpg"' in page

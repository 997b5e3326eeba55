"""`newsgen import`: a WordPress export becomes articles that build, with old URLs redirecting."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgen.cli import main
from tests.conftest import NOW, article, parse_html, text_of, write_site

DATA = Path(__file__).resolve().parent.parent / "data" / "wxr"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = write_site(tmp_path / "site", {})
    code, out, err = _run(
        capsys,
        "import",
        str(DATA / "bao-cu.xml"),
        "--site",
        str(root),
        "--uploads",
        str(DATA / "uploads"),
    )
    assert code == 0, err
    assert "imported 3 articles (1 drafts), 2 images copied, 2 skipped" in out
    return root


def _build(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return _run(capsys, "build", "--site", str(root), "--now", NOW, "--jobs", "1", *extra)


def test_posts_become_articles_with_their_metadata(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _build(imported, capsys)
    assert code == 0, err
    page = parse_html(imported / "public/thoi-su/hoi-nghi-chuyen-doi-so/index.html")
    assert text_of(page.find(".//h1")) == 'Hội nghị "chuyển đổi số": Quảng Ninh đi đầu'
    text = text_of(page.find(".//body"))
    assert "Kim Bằng" in text and "Quảng Ninh" in text and "Chuyển đổi số" in text
    figure = page.find(".//article//figure") or page.find(".//figure")
    assert text_of(figure.find("figcaption")) == "Bí thư Tỉnh ủy phát biểu tại hội nghị."
    assert (imported / "public/thoi-su/hoi-nghi-chuyen-doi-so/anh-hoi-nghi.jpg").is_file()
    assert [text_of(li) for li in page.findall(".//article//ul/li")][:2] == [
        "Dữ liệu dùng chung",
        "Chính quyền số *ngay* năm nay",
    ]
    second = parse_html(imported / "public/kinh-te/cau-moi-khanh-thanh/index.html")
    assert text_of(second.find(".//h1")) == "Cầu mới # khánh thành"
    assert "Minh Anh" in text_of(second.find(".//body"))
    assert not (imported / "public/thoi-su/ban-nhap-chua-dang").exists()  # the draft stays a draft
    assert not any((imported / "content").rglob("bai-da-xoa*"))  # trash is not imported


def test_old_urls_become_redirect_pages(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _build(imported, capsys)[0] == 0
    old = imported / "public/2019/05/hoi-nghi-chuyen-doi-so.html"
    tree = parse_html(old)
    target = "https://bao.example/thoi-su/hoi-nghi-chuyen-doi-so/"
    refresh = tree.find(".//meta[@http-equiv='refresh']")
    assert refresh is not None and refresh.get("content") == f"0; url={target}"
    assert tree.find(".//link[@rel='canonical']").get("href") == target
    assert tree.find(".//meta[@name='robots']").get("content") == "noindex"
    assert tree.find(".//a").get("href") == target
    folder_style = parse_html(imported / "public/2019/06/cầu-mới/index.html")
    assert folder_style.find(".//link[@rel='canonical']").get("href") == (
        "https://bao.example/kinh-te/cau-moi-khanh-thanh/"
    )


def test_import_never_overwrites(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = next((imported / "content/thoi-su").rglob("hoi-nghi*.md"))
    path.write_text(path.read_text("utf-8") + "\nĐã sửa.\n", encoding="utf-8")
    before = path.read_text("utf-8")
    code, out, _ = _run(capsys, "import", str(DATA / "bao-cu.xml"), "--site", str(imported))
    assert code == 0 and "imported 0 articles" in out and "the file already exists" in out
    assert path.read_text("utf-8") == before


def test_not_an_export_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_site(tmp_path / "site", {})
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item>\n<title>x</title>\n</channel>", encoding="utf-8")
    code, _, err = _run(capsys, "import", str(bad), "--site", str(root))
    assert code == 1 and "Traceback" not in err
    assert "bad.xml:3: this is not a readable XML file" in err


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("/../../etc/passwd", "content/thoi-su/a.md:4: aliases:"),  # refused by frontmatter.py too
        ("https://other.example/x/", "is not a path on this site"),
        ("/?p=12", "which a static site cannot redirect"),
        ("/2025/04/", "two pages would be written to 2025/04/index.html"),
    ],
)
def test_unsafe_or_colliding_aliases_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alias: str, expected: str
) -> None:
    root = write_site(tmp_path / "site", {"content/thoi-su/a.md": article(aliases=f'["{alias}"]')})
    code, _, err = _build(root, capsys)
    assert code == 1 and expected in err and "Traceback" not in err
    assert not (root / "public").exists()

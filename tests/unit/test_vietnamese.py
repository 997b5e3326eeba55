"""Table-driven and property tests for every Vietnamese text rule in newsgen.vietnamese."""

from __future__ import annotations

import codecs
import datetime as dt
import pickle
import re
import time
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen import vietnamese as vn
from newsgen.errors import NewsgenError

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def nfd(text: str) -> str:
    """Decompose, as macOS file names and some editors do."""
    return unicodedata.normalize("NFD", text)


# ----------------------------------------------------------------------------- normalize

NORMALIZE_CASES = [
    ("ascii stays", "Hello, world", "Hello, world"),
    ("nfd composes", nfd("Tiếng Việt"), "Tiếng Việt"),
    ("tone before circumflex", "e\u0301\u0302", "ế"),
    ("tone before breve", "a\u0300\u0306", "ằ"),
    ("tone before circumflex, capital", "A\u0303\u0302", "Ẫ"),
    ("dot below and circumflex any order", "a\u0302\u0323", "ậ"),
    ("tone before horn", "o\u0301\u031b", "ớ"),
    ("dot below typed before circumflex", "Vie\u0323\u0302t", "Việt"),
    ("acute typed before circumflex in word", "Vie\u0301\u0302t Nam", "Viết Nam"),
    ("hook typed before breve, capital", "A\u0309\u0306N", "ẲN"),
    ("windows-1258 acute tone mark", "a\u0341", "á"),
    ("eth capital", "\u00d0à Nẵng", "Đà Nẵng"),
    ("eth small", "\u00f0ường", "đường"),
]


@pytest.mark.parametrize(("label", "raw", "expected"), NORMALIZE_CASES)
def test_normalize(label: str, raw: str, expected: str) -> None:
    assert vn.normalize(raw) == expected, label
    assert vn.normalize(expected) == expected


def test_normalize_fast_path_returns_same_object() -> None:
    text = "Tiếng Việt đã chuẩn"
    assert vn.normalize(text) is text


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Tiếng Việt\nkhông dấu thừa", []),
        (nfd("Tiếng Việt\nđủ"), []),
        ("dòng một\nthe\u0301\u0301 double tone\nok\nx\u0308\u0323\u0301", [2, 4]),
        ("", []),
        ("e\u0301\u0302", []),
    ],
)
def test_combining_mark_lines(text: str, lines: list[int]) -> None:
    assert vn.combining_mark_lines(text) == lines


# ----------------------------------------------------------------------------- tone style

TONE_PAIRS = [  # (old style, new style)
    ("hoà", "hòa"),
    ("thuỷ", "thủy"),
    ("khoẻ", "khỏe"),
    ("uỷ", "ủy"),
    ("Hoà Bình", "Hòa Bình"),
    ("Thanh Hoá", "Thanh Hóa"),
    ("hoạ sĩ", "họa sĩ"),
    ("loã", "lõa"),
    ("xoè", "xòe"),
    ("luỹ", "lũy"),
    ("Thuỵ Điển", "Thụy Điển"),
    ("Uỷ ban", "Ủy ban"),
    ("HOÀ", "HÒA"),
    ("toà soạn", "tòa soạn"),
    ("nguỵ", "ngụy"),
]


@pytest.mark.parametrize(("old", "new"), TONE_PAIRS)
def test_tone_style_pairs(old: str, new: str) -> None:
    for source in (old, new, nfd(old), nfd(new)):
        assert vn.apply_tone_style(source, "old") == old
        assert vn.apply_tone_style(source, "new") == new
    assert vn.apply_tone_style(new, "keep") == new
    assert vn.apply_tone_style(old, "keep") == old
    assert vn.tone_key(old) == vn.tone_key(new) == vn.tone_key(nfd(new))


@pytest.mark.parametrize(
    "word",
    ["quý", "quỳ", "Quý", "hoàn", "hoạt", "toán", "khoét", "thuyền", "khuya", "của",
     "mùa", "ngoài", "ai", "Thy", "Thi", "giá", "thuở"],
)  # fmt: skip
def test_tone_style_leaves_other_syllables(word: str) -> None:
    assert vn.apply_tone_style(word, "old") == word
    assert vn.apply_tone_style(word, "new") == word


def test_tone_style_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match="tone_style"):
        vn.apply_tone_style("hoà", "modern")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hoà Bình", "hòa bình"),
        ("Hoà Bình", nfd("Hòa Bình")),
        ("  Hoà   Bình ", "hoà bình"),
        ("Uỷ ban", "ủy BAN"),
        ("\u00d0à Nẵng", "đà nẵng"),
    ],
)
def test_tone_key_same(a: str, b: str) -> None:
    assert vn.tone_key(a) == vn.tone_key(b)


@pytest.mark.parametrize(("a", "b"), [("Thy", "Thi"), ("Hòa", "Hoa"), ("Đà", "Da"), ("ma", "mà")])
def test_tone_key_different(a: str, b: str) -> None:
    assert vn.tone_key(a) != vn.tone_key(b)


# ----------------------------------------------------------------------------- slugs

SLUG_CASES = [
    ("Đường", "duong"),
    ("ĐÀ NẴNG", "da-nang"),
    ("Trí tuệ nhân tạo", "tri-tue-nhan-tao"),
    ("ăn uống ở ơ ư", "an-uong-o-o-u"),
    ("4,69 triệu", "4-69-trieu"),
    ("7.000 tỷ", "7-000-ty"),
    ("0,5%", "0-5"),
    ("Lãi suất 0,5% mỗi tháng", "lai-suat-0-5-moi-thang"),
    ("H'Hen Niê", "hhen-nie"),
    ("H’Hen Niê", "hhen-nie"),
    ("°C", "do-c"),
    ("Nhiệt độ 40°C", "nhiet-do-40-do-c"),
    ("R&D", "r-d"),
    ("TP.HCM", "tp-hcm"),
    ("Không để ai bị bỏ lại phía sau", "khong-de-ai-bi-bo-lai-phia-sau"),
    ("Covid-19: 5 điều cần biết", "covid-19-5-dieu-can-biet"),
    ("  --Tin   nóng!!  ", "tin-nong"),
    ("Giá 1.000₫", "gia-1-000-dong"),
    ("rock 'n' roll", "rock-n-roll"),
    ("Thy và Thi", "thy-va-thi"),
    ("Hòa hay hoà", "hoa-hay-hoa"),
    ("François Müller", "francois-muller"),
    ("Bộ trưởng Bộ Tài chính", "bo-truong-bo-tai-chinh"),
    ("\u00d0ắk Lắk", "dak-lak"),
    ("duong-2", "duong-2"),
    ("Quý I/2025: GDP tăng 6,93%", "quy-i-2025-gdp-tang-6-93"),
    ("iPhone 16 Pro Max giá 34,99 triệu đồng", "iphone-16-pro-max-gia-34-99-trieu-dong"),
    ("Hà Nội – Hải Phòng", "ha-noi-hai-phong"),
    ("Thủy/Thuỷ", "thuy-thuy"),
    ("“Ngôi sao” Mỹ Tâm", "ngoi-sao-my-tam"),
    ("Y Ngông Niê Kđăm", "y-ngong-nie-kdam"),
    ("Việt Nam 2-1 Thái Lan", "viet-nam-2-1-thai-lan"),
    ("Nguyễn Thị Thy & Trần Văn Thi", "nguyen-thi-thy-tran-van-thi"),
    ("ƯU ĐÃI LỚN", "uu-dai-lon"),
    ("e\u0301\u0302 tone typed first", "e-tone-typed-first"),
]


@pytest.mark.parametrize(("text", "slug"), SLUG_CASES)
def test_slugify(text: str, slug: str) -> None:
    assert vn.slugify(text) == slug
    assert vn.slugify(nfd(text)) == slug
    assert vn.slugify(slug) == slug


@pytest.mark.parametrize("text", ["???", "😀🎉", "", "   ", "—", "中文"])
def test_slugify_empty_is_error(text: str) -> None:
    with pytest.raises(vn.SlugError) as info:
        vn.slugify(text)
    assert "slug:" in info.value.hint
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "cap", "slug"),
    [
        ("Không để ai bị bỏ lại phía sau", 20, "khong-de-ai-bi-bo"),
        ("Không để ai bị bỏ lại phía sau", 17, "khong-de-ai-bi-bo"),
        ("Không để ai bị bỏ lại phía sau", 16, "khong-de-ai-bi"),
        ("Nghiêng", 3, "ngh"),
        ("a b", 1, "a"),
    ],
)
def test_slugify_cap_cuts_at_word_boundary(text: str, cap: int, slug: str) -> None:
    assert vn.slugify(text, max_length=cap) == slug


def test_slugify_default_cap_is_80() -> None:
    slug = vn.slugify("tin " * 40)
    assert len(slug) <= 80
    assert slug == "-".join(["tin"] * 20)


def test_unique_slugs() -> None:
    keys = ["đường", "dương", "đường", "hà nội", "duồng", "đường 2"]
    assert vn.unique_slugs(keys) == {
        "đường": "duong",
        "dương": "duong-2",
        "hà nội": "ha-noi",
        "duồng": "duong-3",
        "đường 2": "duong-2-2",
    }


def test_unique_slugs_respects_cap() -> None:
    slugs = vn.unique_slugs(["một hai ba", "mot hai ba"], max_length=10)
    assert slugs == {"một hai ba": "mot-hai-ba", "mot hai ba": "mot-hai-2"}


# ----------------------------------------------------------------------------- dates

PARSE_CASES = [
    ("2025-04-22T09:07:00+07:00", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-04-22T02:07:00Z", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-04-22T02:07Z", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-04-22 09:07", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-04-22 09:07:30", dt.datetime(2025, 4, 22, 9, 7, 30, tzinfo=HCM)),
    ("2025-04-22", dt.datetime(2025, 4, 22, tzinfo=HCM)),
    ("22/04/2025", dt.datetime(2025, 4, 22, tzinfo=HCM)),
    ("22/04/2025 09:07", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2/4/2025 9:07", dt.datetime(2025, 4, 2, 9, 7, tzinfo=HCM)),
    ("01/02/2025", dt.datetime(2025, 2, 1, tzinfo=HCM)),
    ("2025-04-21T23:30:00-05:00", dt.datetime(2025, 4, 22, 11, 30, tzinfo=HCM)),
    ("29/02/2024", dt.datetime(2024, 2, 29, tzinfo=HCM)),
    ("2000-02-29", dt.datetime(2000, 2, 29, tzinfo=HCM)),
    (" 2025-04-22 ", dt.datetime(2025, 4, 22, tzinfo=HCM)),
    ("2025-04-22T09:07:00.5+07:00", dt.datetime(2025, 4, 22, 9, 7, 0, 500000, tzinfo=HCM)),
    ("2025-04-22t02:07:00z", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-04-22T09:07+0700", dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    ("2025-12-31T23:30:00+00:00", dt.datetime(2026, 1, 1, 6, 30, tzinfo=HCM)),
    (dt.date(2025, 4, 22), dt.datetime(2025, 4, 22, tzinfo=HCM)),
    (dt.datetime(2025, 4, 22, 9, 7), dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
    (dt.datetime(2025, 4, 22, 2, 7, tzinfo=dt.UTC), dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_CASES)
def test_parse_date(value: object, expected: dt.datetime) -> None:
    parsed = vn.parse_date(value, HCM)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(hours=7)


BAD_DATES = [
    ("2025-02-30", "'2025-02-30' is not a real date", "write 2025-02-28"),
    ("2025-02-29", "'2025-02-29' is not a real date", "write 2025-02-28"),
    ("2024-02-30", "'2024-02-30' is not a real date", "write 2024-02-29"),
    ("1900-02-29", "'1900-02-29' is not a real date", "write 1900-02-28"),
    ("31/04/2025", "'31/04/2025' is not a real date", "write 30/04/2025"),
    ("29/02/2025", "'29/02/2025' is not a real date", "write 28/02/2025"),
    ("30/02/2024 10:00", "'30/02/2024 10:00' is not a real date", "write 29/02/2024 10:00"),
    ("2025-06-31T08:00:00+07:00", "is not a real date", "write 2025-06-30T08:00:00+07:00"),
    ("04/13/2025", "is not a real date", "dates are day first: write 13/04/2025"),
    ("2025-13-01", "is not a real date", "month"),
    ("2025-04-22 25:00", "impossible time", "00-23"),
    ("2025-04-22T09:07:00+25:00", "offset", "+07:00"),
]


@pytest.mark.parametrize(("value", "problem", "hint"), BAD_DATES)
def test_parse_date_impossible(value: str, problem: str, hint: str) -> None:
    with pytest.raises(vn.DateError) as info:
        vn.parse_date(value, HCM)
    assert problem in info.value.problem
    assert hint in info.value.hint


@pytest.mark.parametrize(
    "value",
    ["garbage", "hôm qua", "2025/04/22", "22-04-2025x", "", 20250422, None, True, "22/04/25",
     "２０２５-04-22", "April 22, 2025", "2025-04-22T09"],
)  # fmt: skip
def test_parse_date_garbage_lists_forms(value: object) -> None:
    with pytest.raises(vn.DateError) as info:
        vn.parse_date(value, HCM)
    assert "2025-04-22" in info.value.hint and "22/04/2025" in info.value.hint
    assert isinstance(info.value, ValueError)


WEEKDAY_CASES = [  # 21-27 April 2025 is Monday-Sunday
    (21, "Thứ hai"),
    (22, "Thứ ba"),
    (23, "Thứ tư"),
    (24, "Thứ năm"),
    (25, "Thứ sáu"),
    (26, "Thứ bảy"),
    (27, "Chủ nhật"),
]


@pytest.mark.parametrize(("day", "name"), WEEKDAY_CASES)
def test_weekday_names(day: int, name: str) -> None:
    moment = dt.datetime(2025, 4, day, 9, 7, tzinfo=HCM)
    assert vn.weekday_name(moment, HCM) == name
    assert vn.format_date(moment, HCM) == f"{name}, {day:02d}/04/2025 09:07"


def test_format_date_house_style() -> None:
    assert vn.format_date("2025-04-22T09:07:00+07:00", HCM) == "Thứ ba, 22/04/2025 09:07"


def test_format_date_converts_to_site_zone() -> None:
    moment = vn.parse_date("2025-04-21T23:30:00-05:00", ZoneInfo("America/Chicago"))
    assert vn.format_date(moment, HCM) == "Thứ ba, 22/04/2025 11:30"
    assert vn.format_date(moment, ZoneInfo("UTC")) == "Thứ ba, 22/04/2025 04:30"


def test_format_date_custom_and_bad_format() -> None:
    moment = dt.datetime(2025, 4, 22, 9, 7, 5, tzinfo=HCM)
    assert vn.format_date(moment, HCM, "{day}/{month} lúc {hour}h{minute:02d}") == "22/4 lúc 9h07"
    assert vn.format_date(moment, HCM, "{weekday} {second:02d}") == "Thứ ba 05"
    with pytest.raises(vn.DateError, match="bad date format"):
        vn.format_date(moment, HCM, "{thang}")


def test_machine_and_short_forms() -> None:
    moment = dt.datetime(2025, 4, 22, 9, 7, tzinfo=HCM)
    assert vn.short_date(moment, HCM) == "22/4/2025"
    assert vn.time_of_day(moment, HCM) == "09:07"
    assert vn.iso_datetime(moment, HCM) == "2025-04-22T09:07:00+07:00"
    assert vn.iso_date(moment, HCM) == "2025-04-22"
    assert vn.rfc822(moment, HCM) == "Tue, 22 Apr 2025 09:07:00 +0700"
    assert vn.rfc822(moment, ZoneInfo("America/St_Johns")) == "Mon, 21 Apr 2025 23:37:00 -0230"
    assert vn.iso_datetime(moment.replace(microsecond=5), ZoneInfo("UTC")) == (
        "2025-04-22T02:07:00+00:00"
    )


def test_dates_ignore_os_locale() -> None:
    """Our names come from tables: the RFC 822 form equals email.utils' fixed English form."""
    from email.utils import format_datetime

    moment = dt.datetime(2025, 1, 5, 18, 0, tzinfo=HCM)
    assert vn.rfc822(moment, HCM) == format_datetime(moment)
    assert vn.weekday_name(moment, HCM) == "Chủ nhật"


# ----------------------------------------------------------------------------- sorting

SORT_INPUT = ["ưu đãi", "ô tô", "đà nẵng", "an ninh", "ê-đê", "ấn độ", "dữ liệu", "ăn uống",
              "ảnh", "bóng đá", "điện biên", "xe điện"]  # fmt: skip
SORT_EXPECTED = ["an ninh", "ảnh", "ăn uống", "ấn độ", "bóng đá", "dữ liệu", "đà nẵng",
                 "điện biên", "ê-đê", "ô tô", "ưu đãi", "xe điện"]  # fmt: skip


def test_sort_issue_example() -> None:
    assert sorted(SORT_INPUT, key=vn.sort_key) == SORT_EXPECTED
    assert sorted(reversed(SORT_INPUT), key=vn.sort_key) == SORT_EXPECTED


@pytest.mark.parametrize(
    "ordered",
    [
        ["ma", "mà", "mả", "mã", "má", "mạ"],
        ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n", "o",
         "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y"],
        ["Đà Nẵng", "Zalo"],
        ["ma", "Ma", "mà", "Mà"],
        ["ma", "mà", "mai"],
        ["an", "an ninh", "ang", "anh"],
        ["1", "10", "2", "a"],
        ["Thi", "Thy"],
        ["hoa", "hoà", "hòa"],
    ],
)  # fmt: skip
def test_sort_orders(ordered: list[str]) -> None:
    assert sorted(reversed(ordered), key=vn.sort_key) == ordered
    assert sorted(ordered, key=vn.sort_key) == ordered


def test_sort_nfd_equals_nfc() -> None:
    assert vn.sort_key(nfd("Đà Nẵng")) == vn.sort_key("Đà Nẵng")


def test_sort_against_icu_if_available() -> None:
    icu = pytest.importorskip("icu")
    collator = icu.Collator.createInstance(icu.Locale("vi"))
    words = SORT_INPUT + ["ma", "mà", "mả", "mã", "má", "mạ", "Ma", "hoa", "hòa", "thủy", "Zalo"]
    assert sorted(words, key=vn.sort_key) == sorted(words, key=collator.getSortKey)


# ----------------------------------------------------------------------------- folding

FOLD_CASES = [
    ("Trí tuệ nhân tạo", "tri tue nhan tao"),
    ("Đường", "duong"),
    ("ĐƯỜNG", "duong"),
    ("Hoà Bình", "hoa binh"),
    ("Hòa Bình", "hoa binh"),
    ("Thy và Thi", "thy va thi"),
    ("“Ngôi sao” — số 1…", "“ngoi sao” — so 1…"),
    ("François Müller", "francois muller"),
    ("Straße", "strasse"),
    ("北京 Bắc Kinh", "北京 bac kinh"),
    ("x\u0308\u0323", "x"),
    ("Hà\u00a0Nội", "ha noi"),
]


@pytest.mark.parametrize(("text", "folded"), FOLD_CASES)
def test_fold(text: str, folded: str) -> None:
    assert vn.fold(text) == folded
    assert vn.fold(nfd(text)) == folded


@pytest.mark.parametrize("text", [text for text, _ in FOLD_CASES[:8]] + ["  Hà   Nội\n"])
def test_fold_keeps_offsets(text: str) -> None:
    folded = vn.fold(text)
    assert len(folded) == len(vn.normalize(text))
    assert folded.index(vn.fold(text.split()[-1])) == vn.normalize(text).index(text.split()[-1])


def test_fold_fast_path_matches_table_path() -> None:
    text = "Tin nóng: “Hà Nội” – 40°C, giá 1.000₫ × 2 ½ … Đắk Lắk ÿ"
    assert vn.fold(text) == vn.normalize(text).lower().translate(vn.FOLD_TABLE)


# ----------------------------------------------------------------------------- properties

VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
vietnamese_text = st.text(
    alphabet=st.sampled_from(
        list(VIETNAMESE_LETTERS + " -,.'’%°&0123456789\u00d0\u00f0")
        + list(vn.TONE_MARKS + vn.SHAPE_MARKS + "\u031b")
        + list("àáảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
    ),
    max_size=30,
)
any_text = st.text(max_size=30)
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FAST = settings(max_examples=100, deadline=None)


@FAST
@given(st.one_of(vietnamese_text, any_text))
def test_normalize_idempotent(text: str) -> None:
    once = vn.normalize(text)
    assert vn.normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


@FAST
@given(st.one_of(vietnamese_text, any_text), st.integers(min_value=1, max_value=90))
def test_slug_matches_pattern_or_raises(text: str, cap: int) -> None:
    try:
        slug = vn.slugify(text, cap)
    except vn.SlugError:
        return
    assert SLUG_RE.match(slug) and len(slug) <= cap
    assert vn.slugify(slug, cap) == slug


@FAST
@given(vietnamese_text)
def test_nfd_and_nfc_agree(text: str) -> None:
    composed, decomposed = unicodedata.normalize("NFC", text), nfd(text)
    assert vn.normalize(composed) == vn.normalize(decomposed)
    assert vn.tone_key(composed) == vn.tone_key(decomposed)
    assert vn.fold(composed) == vn.fold(decomposed)
    assert vn.sort_key(composed) == vn.sort_key(decomposed)
    try:
        slug = vn.slugify(composed)
    except vn.SlugError:
        with pytest.raises(vn.SlugError):
            vn.slugify(decomposed)
    else:
        assert vn.slugify(decomposed) == slug


@FAST
@given(vietnamese_text)
def test_tone_styles_share_one_key(text: str) -> None:
    key = vn.tone_key(text)
    for style in vn.TONE_STYLES:
        assert vn.tone_key(vn.apply_tone_style(text, style)) == key
    assert vn.fold(vn.apply_tone_style(text, "new")) == vn.fold(vn.apply_tone_style(text, "old"))


@FAST
@given(st.lists(st.one_of(vietnamese_text, any_text), min_size=3, max_size=3))
def test_sort_key_total_order(words: list[str]) -> None:
    a, b, c = (vn.sort_key(w) for w in words)
    assert vn.sort_key(words[0]) == a  # consistent
    if a <= b and b <= a:
        assert vn.normalize(words[0]) == vn.normalize(words[1])  # antisymmetric
    if a <= b and b <= c:
        assert a <= c  # transitive
    assert (a < b) + (b < a) + (a == b) == 1


@FAST
@given(st.one_of(vietnamese_text, any_text, st.builds(nfd, vietnamese_text)))
def test_fold_fast_path_equals_table(text: str) -> None:
    assert vn.fold(text) == vn.normalize(text).lower().translate(vn.FOLD_TABLE)


@FAST
@given(st.lists(vietnamese_text, max_size=8))
def test_unique_slugs_are_unique(items: list[str]) -> None:
    try:
        slugs = vn.unique_slugs(items, 20)
    except vn.SlugError:
        return
    assert len(set(slugs.values())) == len(slugs) == len(set(items))
    assert all(SLUG_RE.match(s) and len(s) <= 20 for s in slugs.values())


# ----------------------------------------------------------------------------- legacy encodings

_TO_TCVN3 = {v: k for k, v in vn.TCVN3.items() if k != "Đ"}
_VNI_MARK_OF = {v: k for k, v in vn.VNI_MARKS.items()}
_VNI_LETTER_OF = {v: k for k, v in vn.VNI_LETTERS.items()}


def to_tcvn3(text: str) -> str:
    """Encode as a TCVN3 font would show it (lower-case toned letters only, as in TCVN3)."""
    return "".join(_TO_TCVN3.get(c, c) for c in text)


def to_vni(text: str) -> str:
    """Encode as a VNI font would show it: base letter, then one byte for its marks."""
    out = []
    for char in text:
        base, marks = nfd(char)[0], nfd(char)[1:]
        if char in _VNI_LETTER_OF or not marks or char in "íìÍÌ":
            out.append(_VNI_LETTER_OF.get(char, char))
            continue
        if "\u031b" in marks:
            base = _VNI_LETTER_OF[unicodedata.normalize("NFC", base + "\u031b")]
            marks = marks.replace("\u031b", "")
        shapes = "".join(m for m in marks if m in vn.SHAPE_MARKS)
        mark = _VNI_MARK_OF[shapes + marks.replace(shapes, "")] if shapes else _VNI_MARK_OF[marks]
        out.append(base + (mark.upper() if base.isupper() else mark))
    return "".join(out)


LEGACY_SENTENCES = [
    "Hà Nội là thủ đô của Việt Nam",
    "Tiếng Việt",
    "Chủ tịch nước tiếp đoàn đại biểu",
    "Thủ tướng yêu cầu các bộ, ngành khẩn trương xử lý",
    "Người dân đổ xô đi mua vàng",
    "Đường phố ngập nước sau trận mưa lớn",
    "Giá xăng tăng 500 đồng mỗi lít",
    "Bóng đá Việt Nam thắng đậm",
    "Khuyến cáo người dân không ra đường",
    "Thời tiết hôm nay",
    "Xin chào các bạn",
    "Ủy ban nhân dân tỉnh Quảng Ngãi",
]


def test_legacy_examples_from_issue() -> None:
    assert vn.detect_legacy("TiÕng ViÖt") == [(1, "TCVN3", "Tiếng Việt")]
    assert vn.detect_legacy("Tieáng Vieät") == [(1, "VNI", "Tiếng Việt")]


@pytest.mark.parametrize(
    ("pasted", "encoding", "meant"),
    [
        ("“%s” ®· cã tõ tr\u00adíc råi", "TCVN3", "“%s” đã có từ trước rồi"),
        ("kh«ng thÓ xö lý %s.", "TCVN3", "không thể xử lý %s."),
        ("Giaù trò cho “record_size” khoâng ñuùng", "VNI", "Giá trị cho “record_size” không đúng"),
        ("ÑAØ NAÜNG", "VNI", "ĐÀ NẴNG"),
        ("Khoâng cho pheùp caét ngaén luoàng", "VNI", "Không cho phép cắt ngắn luồng"),
    ],
)
def test_legacy_mixed_lines(pasted: str, encoding: str, meant: str) -> None:
    assert vn.detect_legacy(pasted) == [(1, encoding, meant)]


@pytest.mark.parametrize("sentence", LEGACY_SENTENCES)
def test_legacy_tcvn3_detected(sentence: str) -> None:
    pasted = to_tcvn3(sentence)
    text = f"Dòng đầu bình thường\n{pasted}\nDòng cuối"
    assert vn.detect_legacy(text) == [(2, "TCVN3", sentence)]
    assert vn.detect_legacy(vn.normalize(text)) == [(2, "TCVN3", sentence)]  # Ð (é) became Đ


@pytest.mark.parametrize("sentence", [*LEGACY_SENTENCES, "HÀ NỘI LÀ THỦ ĐÔ", "Ông Nguyễn Văn Ước"])
def test_legacy_vni_detected(sentence: str) -> None:
    text = f"---\ntitle: x\n---\n\n{to_vni(sentence)}"
    assert vn.detect_legacy(text) == [(5, "VNI", sentence)]
    assert vn.detect_legacy(vn.normalize(text)) == [(5, "VNI", sentence)]


NOT_LEGACY = [
    "Hà Nội là thủ đô của Việt Nam, nơi có hơn tám triệu dân.",
    "Hoà bình, khoẻ mạnh, thuỷ lợi, uỷ ban, quý khách, thuê nhà, quân đội, xoá, toà",
    "Thuỷ thủ ở bờ biển, quý khách hàng đã hỏi, người ta nói “không” – ông ấy…",
    "Ông Nguyễn Xuân Phúc và bà Trương Thị Mai; Mạnh Trường, Lê Ánh, Việt Hoàng",
    "HOÀ BÌNH TRÊN TOÀN CẦU, ĐƯỜNG LÊN ĐỈNH",
    "Đắk Lắk, Ê Đê, H'Hen Niê, Y Ngông Niê Kđăm, Pleiku",
    nfd("Người dân đổ xô đi mua vàng ở phố Hàng Bạc"),
    "Loïc Rémy và Anaïs Nin gặp François Hollande",
    "Hélène, Noël, Chloé, Zoë, Raphaël, Citroën, Gaël, Thaïs, Loïc, Taï",
    "Jürgen Müller aus Köln, Straße; El señor José tiene un año; ¿Qué? ¡Hola!",
    "«Bonjour» dit-il; café crème brûlée naïve façade; Søren, Åsa, Æsir",
    "x = a ? b : c; // © 2025 ® ™ — `ñ = ü + ö`",
    "5 × 3 ÷ 2 = 7,5 µs ½ ¼ § 3 ¶ ± 0,5 °C",
    "The quick brown fox jumps over the lazy dog.",
    "def f(x: int) -> str: return f'{x:02d}'",
    "Nå kan du gå til neste leksjon. Tryk på <ESC> for at være sikker på det.",
    "Sök inte i standardkatalogerna, bara i de som ges på kommandoraden",
    "»%s« nach »%s« verschoben; Din aktuelle underskrift på »%s«",
    "«%s» no és un nom vàlid: «%c»; col·lecció, paral·lel",
    "Je ne sais pas où il est, ni où aller. Aún no sé dónde está Raúl, aún.",
    "Kolona tek modeli i buruesit të të dhënave nga do të merren vlerat",
    "Απρόσμενη ετικέτα «%s» στο «%s»; Неизвестный «%s»",
    "Loïc et Taï",
]


@pytest.mark.parametrize("line", NOT_LEGACY)
def test_legacy_no_false_positives(line: str) -> None:
    assert vn.detect_legacy(line) == []
    assert vn.detect_legacy(vn.normalize(line)) == []


_ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph",
           "qu", "s", "t", "th", "tr", "v", "x"]  # fmt: skip
_RHYMES = ["a", "ai", "an", "anh", "ăn", "âu", "em", "ênh", "i", "iêu", "oa", "oai", "oan", "ong",
           "ôi", "ơn", "u", "uy", "uyên", "ưa", "ươi", "ương", "y", "yên", "ac", "ăt", "ân", "ich"]  # fmt: skip
syllables = st.builds(
    lambda onset, rhyme, tone, upper: (
        lambda s: s.capitalize() if upper else s
    )(unicodedata.normalize("NFC", onset + rhyme + tone)),
    st.sampled_from(_ONSETS),
    st.sampled_from(_RHYMES),
    st.sampled_from(["", *vn.TONE_MARKS]),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(syllables, min_size=1, max_size=12))
def test_legacy_never_flags_unicode_vietnamese(words: list[str]) -> None:
    assert vn.detect_legacy(" ".join(words)) == []


def test_legacy_scan_is_cheap_for_clean_text() -> None:
    article = "\n".join([NOT_LEGACY[0] * 20] * 50)
    start = time.perf_counter()
    for _ in range(100):  # ~0.05 s; scoring every line instead would take seconds
        assert vn.detect_legacy(article) == []
    assert time.perf_counter() - start < 1.0


# ----------------------------------------------------------------------------- speed


def test_fold_is_fast_enough_for_whole_site() -> None:
    """10,000 articles x 1,000 words must fold well under a second; check 1/20 of that."""
    words = ["Trí", "tuệ", "nhân", "tạo", "đang", "thay", "đổi", "cách", "các", "toà", "soạn", "ĐƯỜNG", "phố", "“số", "hoá”", "–", "4,69", "triệu", "đồng…", "Khoẻ", "Thuỷ", "Uỷ", "ban", "nhân", "dân", "thành", "phố", "Hồ", "Chí", "Minh"]  # fmt: skip
    article = " ".join(words[i % len(words)] for i in range(1000))
    assert codecs.charmap_encode(article, "strict", vn._FAST_ENCODING)  # takes the C path
    start = time.perf_counter()
    for _ in range(500):
        vn.fold(article)
    assert time.perf_counter() - start < 0.25


def test_naive_time_is_site_time_even_with_daylight_saving() -> None:
    new_york = ZoneInfo("America/New_York")
    summer = vn.parse_date("2025-07-04 09:00", new_york)
    winter = vn.parse_date("04/01/2025 09:00", new_york)
    assert vn.iso_datetime(summer, new_york) == "2025-07-04T09:00:00-04:00"
    assert vn.iso_datetime(winter, new_york) == "2025-01-04T09:00:00-05:00"
    assert vn.format_date(summer, HCM) == "Thứ sáu, 04/07/2025 20:00"


def test_tone_style_never_touches_other_words_in_text() -> None:
    text = "Uỷ ban tỉnh Hoà Bình quyết định: khoẻ mạnh, quý khách, hoàn thành, thuở xưa."
    assert vn.apply_tone_style(text, "new") == (
        "Ủy ban tỉnh Hòa Bình quyết định: khỏe mạnh, quý khách, hoàn thành, thuở xưa."
    )
    assert vn.apply_tone_style(vn.apply_tone_style(text, "new"), "old") == text


# ----------------------------------------------------------------------------- errors


def test_errors_carry_hints_and_survive_pickling() -> None:
    with pytest.raises(vn.SlugError) as slug_info:
        vn.slugify("???")
    with pytest.raises(vn.DateError) as date_info:
        vn.parse_date("31/04/2025", HCM)
    for error in (slug_info.value, date_info.value):
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.hint) == (type(error), str(error), error.hint)
        assert isinstance(copy, NewsgenError) and isinstance(copy, ValueError)
    assert date_info.value.at("content/a.md", 3).format() == (
        "content/a.md:3: date: '31/04/2025' is not a real date (write 30/04/2025)"
    )
    assert str(slug_info.value) == "'???' gives an empty slug"

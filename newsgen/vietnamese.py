"""Every Vietnamese text rule newsgen applies, in one place: pure functions, no I/O.

Normalisation, tone-placement keys, legacy-encoding detection, ASCII slugs, house-style
dates, Vietnamese alphabetical order and diacritic folding. Everything is table-driven
from the module-level constants below so the rules can be read (and tested) as data.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from .errors import NewsgenError

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "DEFAULT_TONE_STYLE",
    "TONE_STYLES",
    "DateError",
    "SlugError",
    "apply_tone_style",
    "combining_mark_lines",
    "detect_legacy",
    "fold",
    "format_date",
    "iso_date",
    "iso_datetime",
    "normalize",
    "parse_date",
    "rfc822",
    "short_date",
    "slugify",
    "sort_key",
    "time_of_day",
    "tone_key",
    "unique_slugs",
    "weekday_name",
]

# --------------------------------------------------------------------------- normalisation

#: Vowel-shape marks that must come before a tone mark to compose (all combining class 230;
#: the horn U+031B has class 216, so canonical ordering already puts it first).
SHAPE_MARKS = "\u0302\u0306"
#: Tone marks in Vietnamese collation order: huyền, hỏi, ngã, sắc, nặng.
TONE_MARKS = "\u0300\u0309\u0303\u0301\u0323"
#: Combining-mark blocks a Latin-script text should never contain after NFC.
_MARK_CLASS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_RE = re.compile(f"[{_MARK_CLASS}]")
_NEEDS_WORK_RE = re.compile(f"[\u00d0\u00f0{_MARK_CLASS}]")
#: Runs of class-230 marks that may hold a tone typed before its circumflex/breve.
_MARK_RUN_RE = re.compile("[\u0300\u0301\u0302\u0303\u0306\u0309]{2,}")
#: Look-alike Icelandic eth that keyboards and OCR produce instead of Vietnamese đ.
_ETH_TABLE = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def _shape_first(match: re.Match[str]) -> str:
    """Put circumflex/breve before tone marks so NFC can compose ế, ặ, ẫ..."""
    return "".join(sorted(match.group(), key=lambda mark: mark not in SHAPE_MARKS))


def normalize(text: str) -> str:
    """Return the one canonical form of text, so equal-looking strings compare equal."""
    if text.isascii():
        return text
    if _NEEDS_WORK_RE.search(text) is None and unicodedata.is_normalized("NFC", text):
        return text
    decomposed = unicodedata.normalize("NFD", text)
    repaired = _MARK_RUN_RE.sub(_shape_first, decomposed)
    return unicodedata.normalize("NFC", repaired).translate(_ETH_TABLE)


def combining_mark_lines(text: str) -> list[int]:
    """Return 1-based lines still holding a combining mark, which valid Vietnamese never has."""
    if _MARK_RE.search(text) is None and unicodedata.is_normalized("NFC", text):
        return []
    text = normalize(text)
    return [n for n, line in enumerate(text.split("\n"), 1) if _MARK_RE.search(line)]


def _vietnamese_letters() -> frozenset[str]:
    """Every letter Unicode Vietnamese uses (both cases, every tone), to tell legacy bytes apart."""
    vowels = "aăâeêioôơuưy"
    toned = {unicodedata.normalize("NFC", v + t) for v in vowels for t in ("", *TONE_MARKS)}
    letters = toned | set("bcdđghklmnpqrstvx")
    return frozenset(letters | {c.upper() for c in letters})


#: All letters of Unicode Vietnamese.
VIETNAMESE_LETTERS = _vietnamese_letters()


# --------------------------------------------------------------------------- tone placement

#: Accepted values of the `tone_style` setting, and the default (as the major papers write).
TONE_STYLES = ("old", "new", "keep")
DEFAULT_TONE_STYLE = "old"
_WORD_RE = re.compile(r"[^\W\d_]+")
#: Onsets before an open oa/oe/uy rhyme: consonants only (q excluded: in "quý" y is the vowel).
_ONSET_RE = re.compile("[bcdđghklmnprstvx]*")
#: Open rhymes whose tone position differs between the old (hoà) and new (hòa) styles.
_MOVABLE_RHYMES = ("oa", "oe", "uy")


def _restyle_word(word: str, old: bool) -> str:
    """Move the tone of an open oa/oe/uy syllable to the second (old) or first (new) vowel."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return word
    bare = decomposed.replace(tones[0], "")
    low = bare.lower()
    if low[-2:] not in _MOVABLE_RHYMES or not _ONSET_RE.fullmatch(low[:-2]):
        return word
    cut = len(bare) if old else len(bare) - 1
    return unicodedata.normalize("NFC", bare[:cut] + tones[0] + bare[cut:])


@lru_cache(maxsize=1 << 16)  # called per tag, author and category of every article, every build
def apply_tone_style(text: str, style: str) -> str:
    """Spell oa/oe/uy tones one way for display: old (hoà, thuỷ), new (hòa, thủy) or keep."""
    if style not in TONE_STYLES:
        raise ValueError(f"tone_style must be one of {', '.join(TONE_STYLES)}, not {style!r}")
    text = normalize(text)
    if style == "keep" or text.isascii():
        return text
    old = style == "old"
    return _WORD_RE.sub(lambda m: _restyle_word(m.group(), old), text)


@lru_cache(maxsize=1 << 16)
def tone_key(text: str) -> str:
    """Return the identity of a tag/author/category: case, spacing and tone style ignored."""
    key = " ".join(normalize(text).casefold().split())
    return apply_tone_style(unicodedata.normalize("NFC", key), "old")


# --------------------------------------------------------------------------- folding


def _build_fold_table() -> dict[int, str | None]:
    """Map every Latin letter with diacritics to its bare lowercase ASCII letter(s)."""
    table: dict[int, str | None] = {cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        bare = "".join(c for c in unicodedata.normalize("NFD", chr(cp)) if c.isascii())
        if len(bare) == 1 and bare.isalpha():
            table[cp] = bare.lower()
    extra = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ß": "ss", "æ": "ae", "Æ": "ae",
             "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "þ": "th",
             "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t"}  # fmt: skip
    table.update({ord(k): v for k, v in extra.items()})
    table.update({cp: None for cp in range(0x300, 0x370)})
    for space in "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a":
        table[ord(space)] = " "
    return table


#: Full fold table (used for slugs and for text the fast path cannot take).
FOLD_TABLE = _build_fold_table()
#: ASCII the fast fold path must carry (other control bytes are lent to non-ASCII characters;
#: NUL must stay at 0 or charmap_build falls back to a slow dict).
_FAST_ASCII = "\x00\t\n\x0b\x0c\r" + "".join(map(chr, range(0x20, 0x7F)))
#: Frequent non-ASCII punctuation and spaces in Vietnamese news that the fast path carries too.
_FAST_PUNCTUATION = "\u00a0“”‘’–—…°₫·\u200b\u2009"


def _build_fast_fold() -> tuple[str, bytes, bytes]:
    """Give Vietnamese text a one-byte code so fold runs in C: encode, translate, decode."""
    letters = sorted(c for c in VIETNAMESE_LETTERS if not c.isascii())
    extra = iter([*letters, *SHAPE_MARKS, *TONE_MARKS, "\u031b", *_FAST_PUNCTUATION])
    decoding = "".join(
        chr(b) if chr(b) in _FAST_ASCII else next(extra, "\ufffe") for b in range(256)
    )
    if next(extra, None) is not None:  # pragma: no cover - guarded by the table design
        raise AssertionError("fast fold code has more characters than bytes")
    byte_of = {c: i for i, c in enumerate(decoding)}
    table, delete = bytearray(range(256)), bytearray()
    for i, c in enumerate(decoding):
        folded = FOLD_TABLE.get(ord(c), c)
        if folded is None:
            delete.append(i)
        elif folded in byte_of:
            table[i] = byte_of[folded]
    return decoding, bytes(table), bytes(delete)


_FAST_DECODING, _FAST_TABLE, _FAST_DELETE = _build_fast_fold()
_FAST_ENCODING = codecs.charmap_build(_FAST_DECODING)
if isinstance(_FAST_ENCODING, dict):  # pragma: no cover - guarded by the table design
    raise AssertionError("fast fold code did not build a C encoding map")


def fold(text: str) -> str:
    """Strip case and diacritics so typed-without-accents, NFD and hoà/hòa all match."""
    # One character out per NFC character in (spaces kept, not collapsed), so offsets found in
    # the folded text point into the original; only stray marks and ß æ œ þ change length.
    if text.isascii():
        return text.lower()
    try:  # Marks are deleted, so NFD/NFC/repaired input all fold alike without normalize().
        data = codecs.charmap_encode(text, "strict", _FAST_ENCODING)[0]
    except UnicodeEncodeError:
        return normalize(text).lower().translate(FOLD_TABLE)
    data = data.translate(_FAST_TABLE, _FAST_DELETE)
    return codecs.charmap_decode(data, "strict", _FAST_DECODING)[0]


# --------------------------------------------------------------------------- slugs

#: Symbols that carry meaning in a headline and are spelt out in slugs.
SLUG_WORDS = {"°": " do ", "₫": " dong "}
_SLUG_TABLE = {**FOLD_TABLE, **{ord(k): v for k, v in SLUG_WORDS.items()}}
#: An apostrophe between letters belongs to the word (H'Hen Niê): it disappears.
_INNER_APOSTROPHE_RE = re.compile(r"(?<=[^\W_])['’‘ʼ`´](?=[^\W_])")
_SLUG_WORD_RE = re.compile("[a-z0-9]+")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


SLUG_HINT = "add a `slug:` line to the front matter, e.g. slug: tin-moi"


class SlugError(NewsgenError, ValueError):
    """A text gives no usable slug; the writer must supply `slug:` by hand."""

    def __init__(
        self, message: str, hint: str = SLUG_HINT, field: str = "slug", line: int = 0
    ) -> None:
        super().__init__(message, hint, field, line)


@lru_cache(maxsize=1 << 16)  # asked for every tag, author and category of every article
def slugify(text: str, max_length: int = 80) -> str:
    """Return the ASCII slug Vietnamese news sites use: folded words joined by hyphens."""
    if max_length < 1:
        raise ValueError(f"max_length must be positive, not {max_length}")
    bare = _INNER_APOSTROPHE_RE.sub("", normalize(text)).lower().translate(_SLUG_TABLE)
    words = _SLUG_WORD_RE.findall(bare)
    if not words:
        raise SlugError(f"{text!r} gives an empty slug")
    kept, size = [words[0][:max_length]], len(words[0][:max_length])
    for word in words[1:]:
        size += 1 + len(word)
        if size > max_length:
            break
        kept.append(word)
    return "-".join(kept)


def unique_slugs(items: Iterable[str], max_length: int = 80) -> dict[str, str]:
    """Give each distinct item a distinct slug: duong, duong-2, ... by first appearance."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for item in items:
        if item in result:
            continue
        slug, n = slugify(item, max_length), 1
        while slug in taken:
            n += 1
            suffix = f"-{n}"
            slug = slugify(item, max(1, max_length - len(suffix))) + suffix
        taken.add(slug)
        result[item] = slug
    return result


# --------------------------------------------------------------------------- dates

#: Weekday names, Monday first (datetime.weekday() order), in house style.
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
RFC822_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RFC822_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
DEFAULT_DATE_FORMAT = "{weekday}, {day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}"
#: Fields a `date_format` may use.
DATE_FIELDS = ("weekday", "day", "month", "year", "hour", "minute", "second")
DATE_FORMS_HINT = (
    "write 2025-04-22, 2025-04-22 09:07, 2025-04-22T09:07:00+07:00 or 22/04/2025 09:07"
)
_TIME = (
    r"(?:[T ]\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6})\d*)?)?"
)
_ISO_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    + _TIME
    + r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE | re.ASCII,
)
_DMY_RE = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})" + _TIME + r")?", re.ASCII
)


class DateError(NewsgenError, ValueError):
    """A date the writer typed cannot be read; .problem says why, .hint how to fix it."""

    def __init__(
        self, problem: str, hint: str = DATE_FORMS_HINT, field: str = "date", line: int = 0
    ) -> None:
        super().__init__(problem, hint, field, line)
        self.problem = problem


def _offset(text: str | None, value: str) -> dt.tzinfo | None:
    """Turn Z / +07:00 / +0700 / +07 into a fixed offset."""
    if not text:
        return None
    if text.upper() == "Z":
        return dt.UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"{value!r} has an impossible time-zone offset", "write e.g. +07:00")
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if text[0] == "-" else delta)


def _check_day(value: str, match: re.Match[str], year: int, month: int, day: int) -> None:
    """Reject 30 February and friends, proposing the month's last day in the writer's form."""
    if not 1 <= month <= 12:
        hint = "the month must be 1 to 12"
        if match.re is _DMY_RE and 1 <= day <= 12:
            hint = f"dates are day first: write {_day_first_swap(value, match)}"
        raise DateError(f"{value!r} is not a real date", hint)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        fixed = last if day > last else 1
        start, end = match.span("day")
        width = end - start
        suggestion = f"{value[:start]}{fixed:0{width}d}{value[end:]}"
        raise DateError(f"{value!r} is not a real date", f"write {suggestion}")


def _day_first_swap(value: str, match: re.Match[str]) -> str:
    """Swap the day and month fields of a dd/mm/yyyy match (for month-first typos)."""
    (ds, de), (ms, me) = match.span("day"), match.span("month")
    return value[:ds] + value[ms:me] + value[de:ms] + value[ds:de] + value[me:]


def _from_match(value: str, match: re.Match[str], tz: ZoneInfo) -> dt.datetime:
    """Build the aware datetime a matched date/time string means, in the site zone."""
    year, month, day = (int(match.group(k)) for k in ("year", "month", "day"))
    if year < 1:
        raise DateError(f"{value!r} is not a real date")
    _check_day(value, match, year, month, day)
    hour, minute, second = (int(match.group(k) or 0) for k in ("hour", "minute", "second"))
    if hour > 23 or minute > 59 or second > 59:
        raise DateError(f"{value!r} has an impossible time", "write hours 00-23, minutes 00-59")
    micro = int((match.group("fraction") or "0").ljust(6, "0"))
    offset = _offset(match.groupdict().get("offset"), value)
    moment = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=offset or tz)
    return moment.astimezone(tz)


def parse_date(value: object, tz: ZoneInfo) -> dt.datetime:
    """Read a date as writers type it (ISO or day-first), as an aware time in the site zone."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz)
    if not isinstance(value, str):
        raise DateError(f"{value!r} is not a date")
    text = value.strip()
    for pattern in (_ISO_RE, _DMY_RE):
        match = pattern.fullmatch(text)
        if match:
            return _from_match(text, match, tz)
    raise DateError(f"{text!r} is not a date")


def format_date(value: object, tz: ZoneInfo, fmt: str = DEFAULT_DATE_FORMAT) -> str:
    """Render the house-style date line from our own tables, never the OS locale."""
    local = parse_date(value, tz)
    fields = {
        "weekday": WEEKDAYS[local.weekday()],
        "day": local.day,
        "month": local.month,
        "year": local.year,
        "hour": local.hour,
        "minute": local.minute,
        "second": local.second,
    }
    try:
        return fmt.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        fields_hint = " ".join(f"{{{name}}}" for name in DATE_FIELDS)
        raise DateError(
            f"bad date format {fmt!r}: {exc}", f"use the fields {fields_hint}"
        ) from None


def short_date(value: object, tz: ZoneInfo) -> str:
    """Return the compact day/month/year used in lists: 22/4/2025."""
    local = parse_date(value, tz)
    return f"{local.day}/{local.month}/{local.year}"


def time_of_day(value: object, tz: ZoneInfo) -> str:
    """Return the 24-hour time in the site zone: 09:07."""
    local = parse_date(value, tz)
    return f"{local.hour:02d}:{local.minute:02d}"


def weekday_name(value: object, tz: ZoneInfo) -> str:
    """Return the Vietnamese weekday in the site zone: Thứ ba."""
    return WEEKDAYS[parse_date(value, tz).weekday()]


def iso_datetime(value: object, tz: ZoneInfo) -> str:
    """Return ISO 8601 with offset for <time datetime>, JSON-LD and sitemaps."""
    return parse_date(value, tz).replace(microsecond=0).isoformat()


def iso_date(value: object, tz: ZoneInfo) -> str:
    """Return the ISO calendar date in the site zone (archive URLs, sitemaps): 2025-04-22."""
    return parse_date(value, tz).date().isoformat()


def rfc822(value: object, tz: ZoneInfo) -> str:
    """Return the RFC 822 date RSS readers expect, with English names whatever the locale."""
    local = parse_date(value, tz)
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return (
        f"{RFC822_DAYS[local.weekday()]}, {local.day:02d} {RFC822_MONTHS[local.month - 1]} "
        f"{local.year:04d} {local.hour:02d}:{local.minute:02d}:{local.second:02d} "
        f"{sign}{hours:02d}{mins:02d}"
    )


# --------------------------------------------------------------------------- sorting

#: The Vietnamese alphabet (with f j w z where ICU's vi collation puts them).
ALPHABET = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
#: Base letter + shape mark that form a distinct letter of the alphabet.
LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
                ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}  # fmt: skip
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
_TONE_RANK = {mark: rank for rank, mark in enumerate(TONE_MARKS, 1)}
#: Primary groups, as in CLDR root: spaces < punctuation/symbols < digits < Latin < others.
_SPACE, _PUNCT, _DIGIT, _LATIN, _OTHER = range(5)

_Weights = tuple[int, tuple[int, str], int]


@lru_cache(maxsize=4096)
def _char_weights(char: str) -> _Weights:
    """Return (primary letter, secondary tone/accents, tertiary case) for one NFC character."""
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    letter = "đ" if base in "đĐ" else base.lower()
    others = ""
    for mark in marks:
        if (letter, mark) in LETTER_MARKS:
            letter = LETTER_MARKS[letter, mark]
        else:
            others += mark
    tone = _TONE_RANK.get(others[:1], 0)
    secondary = (tone, others[1:] if tone else others)
    tertiary = 1 if base != base.lower() else 0
    if letter in _LETTER_RANK:
        primary = _LATIN << 21 | _LETTER_RANK[letter]
    elif base.isspace():
        primary = _SPACE << 21
    elif base.isdigit():
        primary = _DIGIT << 21 | unicodedata.digit(base, 0)
    elif base.isalpha():
        primary = _OTHER << 21 | ord(letter)
    else:
        primary = _PUNCT << 21 | ord(base)
    return primary, secondary, tertiary


def sort_key(
    text: str,
) -> tuple[tuple[int, ...], tuple[tuple[int, str], ...], tuple[int, ...], str]:
    """Order names as Vietnamese readers expect (ICU vi): letters, then tones, then case."""
    nfc = normalize(text)
    weights = [_char_weights(c) for c in nfc]
    return (
        tuple(w[0] for w in weights),
        tuple(w[1] for w in weights),
        tuple(w[2] for w in weights),
        nfc,
    )


# --------------------------------------------------------------------------- legacy encodings

#: TCVN3 (ABC) bytes as they appear when read as Latin-1/cp1252, and the letters they mean.
#: "Đ" is there because normalize() turns the TCVN3 é (byte 0xD0, "Ð") into Đ.
TCVN3 = {
    "µ": "à", "¸": "á", "¶": "ả", "·": "ã", "¹": "ạ",
    "¨": "ă", "»": "ằ", "¾": "ắ", "¼": "ẳ", "½": "ẵ", "Æ": "ặ",
    "©": "â", "Ç": "ầ", "Ê": "ấ", "È": "ẩ", "É": "ẫ", "Ë": "ậ",
    "®": "đ", "Ì": "è", "Ð": "é", "Đ": "é", "Î": "ẻ", "Ï": "ẽ", "Ñ": "ẹ",
    "ª": "ê", "Ò": "ề", "Õ": "ế", "Ó": "ể", "Ô": "ễ", "Ö": "ệ",
    "×": "ì", "Ý": "í", "Ø": "ỉ", "Ü": "ĩ", "Þ": "ị",
    "ß": "ò", "ã": "ó", "á": "ỏ", "â": "õ", "ä": "ọ",
    "«": "ô", "å": "ồ", "è": "ố", "æ": "ổ", "ç": "ỗ", "é": "ộ",
    "¬": "ơ", "ê": "ờ", "í": "ớ", "ë": "ở", "ì": "ỡ", "î": "ợ",
    "ï": "ù", "ó": "ú", "ñ": "ủ", "ò": "ũ", "ô": "ụ",
    "\u00ad": "ư", "õ": "ừ", "ø": "ứ", "ö": "ử", "÷": "ữ", "ù": "ự",
    "ú": "ỳ", "ý": "ý", "û": "ỷ", "ü": "ỹ", "þ": "ỵ",
    "¡": "Ă", "¢": "Â", "§": "Đ", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư",
}  # fmt: skip
_TCVN3_TABLE = str.maketrans(TCVN3)
#: VNI-Windows: a letter followed by a byte holding its marks (lower/upper case byte).
VNI_MARKS = {
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309",
    "ã": "\u0302\u0303", "ä": "\u0302\u0323",
    "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309",
    "ü": "\u0306\u0303", "ë": "\u0306\u0323",
}  # fmt: skip
#: VNI bytes that are whole letters on their own (ơ, ư, đ and the i/ỵ with tones).
VNI_LETTERS = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
               "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ"}  # fmt: skip
_VNI_MARK_CHARS = "".join(VNI_MARKS) + "".join(VNI_MARKS).upper()
_VNI_RE = re.compile(f"([aeouyAEOUYôöÔÖ])([{_VNI_MARK_CHARS}])|([{''.join(VNI_LETTERS)}])")
_LEGACY_BYTES = set(TCVN3) | set(VNI_MARKS) | {c.upper() for c in VNI_MARKS} | set(VNI_LETTERS)
_LEGACY_STRONG = "".join(sorted(_LEGACY_BYTES - VIETNAMESE_LETTERS))
#: Cheap test, one search: a byte no Unicode Vietnamese text has, a Latin-1 capital right after
#: a small letter (TiÕng), or a VNI vowel + mark pair that Unicode Vietnamese never writes
#: (Tieáng, Khoâng, caét). The pattern opens with one class of every such last character, so
#: re skips ahead to candidates and only then looks behind (an alternation of three patterns
#: would try each at every character: 5x slower).
_LEGACY_VNI_PAIR = "(?<=[aeouyôAEOUYÔ][ùõúÙÕÚ]|[aeoAEO][âÂ]|[aA][êéèÊÉÈ]|[aeAE][áàãÁÀÃ])"
_LEGACY_LAST = sorted(
    set(_LEGACY_STRONG) | set(map(chr, range(0xC0, 0xDF))) | set("\u0110ùõúâêéèáàãÙÕÚÂÊÉÈÁÀÃ")
)
_LEGACY_HINT = re.compile(
    f"[{re.escape(''.join(_LEGACY_LAST))}]"
    f"(?:(?<=[{re.escape(_LEGACY_STRONG)}])|(?<=[a-z][\u00c0-\u00de\u0110])|{_LEGACY_VNI_PAIR})"
)


def _maybe_legacy(text: str) -> bool:
    """Tell cheaply whether text could hold a legacy-encoded word at all."""
    return _LEGACY_HINT.search(text) is not None


_LEGACY_TOKEN_RE = re.compile("(?:[^\\W\\d_]|[\u00a1-\u00ff])+")
#: Pieces of a Vietnamese syllable, loose enough for names, strict enough to reject mojibake.
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
#: Rhymes by how they may end: no final consonant, optional one, or one required (tăng, tiên).
_OPEN_NUCLEI = (
    "uya|uyu|uây|uôi|ươi|ươu|iêu|yêu|oai|oay|oao|oeo|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|"
    "ua|ui|uơ|ưa|ưi|ưu"
)
_NUCLEI = "oa|oe|uê|uy|a|e|ê|i|o|ô|ơ|u|ư|y"
_CLOSED_NUCLEI = "uyê|iê|yê|uô|ươ|oă|uâ|oo|ă|â"
_CODAS = "ng|nh|ch|c|m|n|p|t|k"
_SYLLABLE_RE = re.compile(
    f"(?:{_ONSETS})?(?:(?:{_OPEN_NUCLEI})|(?:{_NUCLEI})(?:{_CODAS})?|(?:{_CLOSED_NUCLEI})(?:{_CODAS}))"
)


def _is_syllable(word: str) -> bool:
    """Tell whether a word is a well-formed Vietnamese syllable (at most one tone, sane case)."""
    if not (word.islower() or word.isupper() or word.istitle()):
        return False  # "thÓ" is TCVN3 for "thể", not the word "thó"
    decomposed = unicodedata.normalize("NFD", word.lower())
    bare = "".join(c for c in decomposed if c not in TONE_MARKS)
    if len(decomposed) - len(bare) > 1:
        return False
    return _SYLLABLE_RE.fullmatch(unicodedata.normalize("NFC", bare)) is not None


def _vni_piece(match: re.Match[str]) -> str:
    """Decode one VNI letter (+ mark byte) to Unicode."""
    base, mark, letter = match.groups()
    if letter:
        return VNI_LETTERS[letter]
    marks = VNI_MARKS[mark.lower()]
    if ("\u0306" in marks and base.lower() != "a") or (
        "\u0302" in marks and base.lower() not in "aeo"
    ):
        return match.group()
    return unicodedata.normalize("NFC", VNI_LETTERS.get(base, base) + marks)


def from_tcvn3(text: str) -> str:
    """Decode text pasted from a TCVN3 (ABC) font, as a suggestion to the writer."""
    return text.translate(_TCVN3_TABLE)


def from_vni(text: str) -> str:
    """Decode text pasted from a VNI font, as a suggestion to the writer."""
    return _VNI_RE.sub(_vni_piece, text)


#: TCVN3 symbol bytes that no language uses inside words (not « »: quotes hug words).
_TCVN3_SIGNS = "¡¢£¤¥¦§¨©ª¬\u00ad®µ¶·¸¹¼½¾×÷"
#: VNI mark bytes no European word puts after a vowel (not ù ú é è ï ë: où, aún, Loïc, Noël).
_VNI_SIGN_MARKS = "".join(c for c in _VNI_MARK_CHARS if c not in "ùúéèïëÙÚÉÈÏË")
#: Legacy encodings we recognise: decoder, and a sign no European language's words show
#: (TCVN3: a symbol byte such as µ ¸ ® in a word, or a capital after a small letter;
#: VNI: a mark byte such as â ø û after a vowel, ơ/ư bytes carrying a mark, or a leading đ).
LEGACY_DECODERS: dict[str, tuple[Callable[[str], str], re.Pattern[str]]] = {
    "TCVN3": (from_tcvn3, re.compile(f"[{_TCVN3_SIGNS}]|(?<=[a-z])[\u00c0-\u00de\u0110]")),
    "VNI": (from_vni, re.compile(f"[aeiouyAEIOUY][{_VNI_SIGN_MARKS}]|[ôöÔÖ][ùøûõïÙØÛÕÏ]|^[ñÑ]")),
}
#: Words a line must gain (invalid before, valid Vietnamese after) to be called legacy. Also,
#: more words must gain than decoding garbles (French names: Loïc, Anaïs, Raphaël), at least
#: half of all words must then be Vietnamese syllables (Danish "på" reads as TCVN3 "pồ"), and
#: a gained word must show a sign of its encoding (below).
LEGACY_MIN_WORDS = 2


def _legacy_score(line: str, decode: Callable[[str], str], sign: re.Pattern[str]) -> int:
    """Count words that only make sense once decoded; 0 unless the decoded line reads as Vietnamese."""
    words = _LEGACY_TOKEN_RE.findall(line)
    gained = garbled = valid = signed = 0
    for word in words:
        decoded = decode(word)
        after = _is_syllable(decoded)
        valid += after
        if decoded == word or len(word) == 1:
            continue  # lone symbols (× ½ ¶) and letters (ë) decode to one-letter words by accident
        garbled += not after
        if after and not _is_syllable(word):
            gained += 1
            signed += sign.search(word) is not None
    if gained < LEGACY_MIN_WORDS or not signed or gained <= garbled or 2 * valid < len(words):
        return 0
    return gained


def detect_legacy(text: str) -> list[tuple[int, str, str]]:
    """Find lines pasted from TCVN3/VNI fonts: (line, encoding, decoded line), never converting."""
    found: list[tuple[int, str, str]] = []
    if not _maybe_legacy(text):
        return found
    for number, line in enumerate(text.split("\n"), 1):
        if line.isascii() or not _maybe_legacy(line):
            continue
        line = unicodedata.normalize("NFC", line)
        scored = [(_legacy_score(line, *how), name) for name, how in LEGACY_DECODERS.items()]
        score, name = max(scored)
        if score:
            found.append((number, name, LEGACY_DECODERS[name][0](line)))
    return found

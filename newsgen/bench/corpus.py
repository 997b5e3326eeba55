"""Deterministic synthetic Vietnamese news corpus, so benchmarks measure realistic input.

Article i depends only on (seed, i): the first 1,000 articles of a 100,000-article corpus are
the 1,000-article corpus. Articles belong to recurring stories (same place, project, people),
so related-article links are meaningful. Standard library plus newsgen.vietnamese only (and
Pillow, a dependency of newsgen, for the photos of add_photos).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from newsgen.vietnamese import fold


def _w(spec: str) -> list[str]:
    """Split a compact ";"-separated vocabulary line."""
    return spec.split(";")


# name: objects | events | topical tags (12 categories, 12 tags each)
_CATEGORIES = {
    "Thời sự": "cải cách hành chính;sắp xếp tổ chức bộ máy;phòng chống thiên tai;xây dựng nông thôn mới;giảm nghèo bền vững;giải ngân vốn đầu tư công;nhà ở xã hội;xóa nhà tạm, nhà dột nát"
    "|phiên họp thường kỳ;hội nghị sơ kết;kỳ họp HĐND;buổi làm việc;lễ khởi công"
    "|Chính phủ;Quốc hội;Thủ tướng;đầu tư công;sáp nhập tỉnh;nông thôn mới;thiên tai;bão lũ;giảm nghèo;tinh gọn bộ máy;Nghị quyết 57;xóa nhà tạm",
    "Thế giới": "quan hệ song phương;hợp tác thương mại;an ninh khu vực;thuế quan;chuỗi cung ứng;viện trợ nhân đạo;đàm phán hòa bình;giá dầu thế giới"
    "|hội nghị thượng đỉnh;chuyến thăm chính thức;cuộc điện đàm;diễn đàn kinh tế;cuộc họp báo"
    "|Mỹ;Trung Quốc;Nga;Ukraine;EU;ASEAN;Liên Hợp Quốc;Trung Đông;G20;APEC;Nhật Bản;NATO",
    "Kinh doanh": "tăng trưởng tín dụng;xuất khẩu nông sản;thị trường chứng khoán;giá vàng;lãi suất;vốn FDI;kinh tế tư nhân;giá xăng dầu"
    "|đại hội đồng cổ đông;diễn đàn doanh nghiệp;hội nghị xúc tiến đầu tư;lễ ký kết hợp tác;buổi đối thoại doanh nghiệp"
    "|chứng khoán;VN-Index;giá vàng;lãi suất;tỷ giá;FDI;xuất khẩu;ngân hàng;lạm phát;trái phiếu;xăng dầu;startup",
    "Chuyển đổi số": "chính quyền số;cơ sở dữ liệu quốc gia;dịch vụ công trực tuyến;hạ tầng số;kinh tế số;định danh điện tử;trí tuệ nhân tạo;kỹ năng số"
    "|hội nghị chuyển đổi số;lễ phát động phong trào;hội thảo khoa học;diễn đàn quốc gia;hội nghị ứng dụng dữ liệu và AI"
    "|AI;dữ liệu;chuyển đổi số;chính quyền số;kinh tế số;Bình dân học vụ số;VNeID;Đề án 06;dịch vụ công;dữ liệu lớn;đô thị thông minh;GenAI",
    "Công nghệ": "điện thoại thông minh;chip bán dẫn;mạng 5G;xe điện;trung tâm dữ liệu;an ninh mạng;vệ tinh viễn thông;thương mại điện tử"
    "|sự kiện ra mắt sản phẩm;hội chợ công nghệ;cuộc thi khởi nghiệp;hội thảo bảo mật;buổi giới thiệu"
    "|Samsung;Apple;Qualcomm;NVIDIA;bán dẫn;5G;VinFast;ChatGPT;Google;TikTok;lừa đảo trực tuyến;bảo mật",
    "Giáo dục": "kỳ thi tốt nghiệp THPT;tuyển sinh đại học;chương trình giáo dục phổ thông;học phí;sách giáo khoa;đội ngũ giáo viên;giáo dục STEM;tự chủ đại học"
    "|lễ khai giảng;kỳ thi;hội nghị tổng kết năm học;lễ tốt nghiệp;ngày hội tư vấn tuyển sinh"
    "|tuyển sinh;thi tốt nghiệp THPT;đại học;học phí;giáo viên;học sinh;sinh viên;điểm chuẩn;STEM;du học;học bổng;tiếng Anh",
    "Sức khỏe": "khám chữa bệnh;bảo hiểm y tế;phòng chống dịch bệnh;tiêm chủng mở rộng;an toàn thực phẩm;y tế cơ sở;bệnh không lây nhiễm;sốt xuất huyết"
    "|hội nghị khoa học;đợt khám bệnh miễn phí;chiến dịch tiêm chủng;buổi truyền thông;ca phẫu thuật"
    "|Bộ Y tế;bệnh viện;bảo hiểm y tế;sốt xuất huyết;tiêm chủng;an toàn thực phẩm;ung thư;tim mạch;dinh dưỡng;Bạch Mai;Chợ Rẫy;ngộ độc",
    "Pháp luật": "buôn lậu, gian lận thương mại;tội phạm công nghệ cao;vi phạm nồng độ cồn;lừa đảo chiếm đoạt tài sản;ma túy;tai nạn giao thông;khai thác cát trái phép;hàng giả, hàng nhái"
    "|phiên tòa xét xử;chuyên án;cuộc họp báo;buổi ra quân;đợt cao điểm tấn công tội phạm"
    "|Bộ Công an;tòa án;lừa đảo;ma túy;nồng độ cồn;tai nạn giao thông;hàng giả;tham nhũng;khởi tố;xét xử;CSGT;buôn lậu",
    "Thể thao": "đội tuyển quốc gia;V-League;SEA Games;bóng đá nữ;đào tạo trẻ;giải marathon;cầu lông;bóng chuyền"
    "|trận đấu;vòng loại;giải đấu;lễ khai mạc;trận chung kết"
    "|bóng đá;V-League;đội tuyển Việt Nam;SEA Games;U23 Việt Nam;AFF Cup;bóng chuyền;cầu lông;marathon;Olympic;Hà Nội FC;pickleball",
    "Văn hóa": "di sản văn hóa;lễ hội truyền thống;nghệ thuật biểu diễn;điện ảnh Việt;văn hóa đọc;bảo tồn di tích;công nghiệp văn hóa;âm nhạc"
    "|liên hoan phim;lễ hội;đêm nghệ thuật;triển lãm;lễ trao giải"
    "|di sản;lễ hội;điện ảnh;âm nhạc;nghệ sĩ;UNESCO;sân khấu;văn học;phim Việt;áo dài;ẩm thực;bảo tàng",
    "Du lịch": "khách quốc tế;du lịch cộng đồng;du lịch biển đảo;sản phẩm du lịch mới;hạ tầng du lịch;du lịch xanh;hàng không giá rẻ;thị thực điện tử"
    "|năm du lịch quốc gia;hội chợ du lịch;famtrip;lễ đón khách;tuần lễ du lịch"
    "|du lịch;khách quốc tế;Vịnh Hạ Long;Phú Quốc;Sa Pa;Hội An;Vietnam Airlines;Vietjet;homestay;visa;Michelin;biển đảo",
    "Bất động sản": "thị trường bất động sản;giá nhà chung cư;đất nền;dự án nhà ở thương mại;quy hoạch đô thị;bảng giá đất;khu công nghiệp;nhà ở cho công nhân"
    "|hội thảo thị trường;lễ mở bán;đợt đấu giá đất;buổi công bố quy hoạch;hội nghị tháo gỡ vướng mắc"
    "|bất động sản;chung cư;giá nhà;đất nền;Luật Đất đai;quy hoạch;đấu giá đất;bảng giá đất;Vinhomes;Novaland;vành đai 4;metro",
}
CATEGORIES = {name: [_w(part) for part in spec.split("|")] for name, spec in _CATEGORIES.items()}
PROVINCES = _w(
    "Hà Nội;TP.HCM;Hải Phòng;Đà Nẵng;Cần Thơ;An Giang;Bắc Ninh;Bến Tre;Bình Định;Bình Dương;Cà Mau;Cao Bằng;Đắk Lắk;"
    "Điện Biên;Đồng Nai;Đồng Tháp;Gia Lai;Hà Giang;Hà Tĩnh;Hải Dương;Hòa Bình;Khánh Hòa;Kiên Giang;Lâm Đồng;Lạng Sơn;"
    "Lào Cai;Long An;Nam Định;Nghệ An;Ninh Bình;Phú Thọ;Quảng Bình;Quảng Nam;Quảng Ngãi;Quảng Ninh;Quảng Trị;Sơn La;"
    "Thái Nguyên;Thanh Hóa;Thừa Thiên Huế;Tiền Giang;Trà Vinh;Vĩnh Long;Vĩnh Phúc;Yên Bái"
)
GENERIC_TAGS = _w(
    "Việt Nam;kinh tế - xã hội;phát triển bền vững;nguồn nhân lực;đổi mới sáng tạo;khoa học công nghệ;hợp tác quốc tế;"
    "doanh nghiệp Việt;năm 2025;năm 2024;năm 2023;người dân;biến đổi khí hậu;môi trường;năng lượng tái tạo;điện gió;"
    "điện mặt trời;logistics;cảng biển;sân bay Long Thành;nông nghiệp;OCOP;lúa gạo;cà phê;sầu riêng;thủy sản;lao động;"
    "việc làm;bảo hiểm xã hội;tiền lương;phụ nữ;thanh niên;trẻ em;người cao tuổi;đồng bằng sông Cửu Long;Tây Nguyên;"
    "miền Trung;Đông Nam Bộ;Tây Bắc;hạn mặn;sạt lở;nắng nóng;mưa lớn;rét đậm;EVN;Petrovietnam;Agribank;BIDV;Thaco;ESG;"
    "tín chỉ carbon;kinh tế tuần hoàn;điện hạt nhân;đất hiếm;bán lẻ;giá điện;bão Yagi;lũ quét;phố đi bộ;Trường Sa;kiều hối;"
    "rác thải nhựa;ô nhiễm không khí;nước sạch;Hội nghị Trung ương;Thời sự;Xã hội;Kinh tế;Đời sống;Góc nhìn;Tin nóng;"
    "Hà Nội mới;Miền Bắc;Miền Nam;Địa phương;Chính sách;Cải cách;Đầu tư;Hạ tầng;Giao thông;Đô thị;Nông thôn;Biển đảo;"
    "Sức khỏe cộng đồng;Khởi nghiệp;Tiêu dùng;Thị trường;Xuất nhập khẩu;Dự báo;Phân tích;Phỏng vấn;Điều tra;Phóng sự;"
    "Chuyên đề;Bạn đọc;Cộng đồng;Gia đình;Học đường;Việc tử tế;Nhân ái;Pháp lý;Ngân sách;Thuế;Quốc phòng"
)
SURNAMES = _w("Nguyễn;Trần;Lê;Phạm;Hoàng;Huỳnh;Phan;Vũ;Võ;Đặng;Bùi;Đỗ;Hồ;Ngô;Dương;Lý")
MIDDLES = _w("Văn;Đức;Minh;Quang;Hữu;Thế;Thị;Ngọc;Thu;Thanh;Hồng;Xuân")
GIVEN = _w(
    "Thắng;Ấn;Duy;Hùng;Dũng;Long;Nam;Sơn;Tùng;Lan;Hương;Hoa;Mai;Linh;Trang;Hà;Thảo;Yến;Bằng;Hiếu;Phúc;Tâm"
)
SYLLABLES = _w(
    "Tân;Phú;An;Bình;Long;Hòa;Thịnh;Phước;Vĩnh;Đông;Sơn;Hưng;Thuận;Lộc;Hải;Minh;Quang;Trung;Tây;Kim;Ngọc;Gia;Thành;Mỹ;Lạc;Xuân"
)
KINDS = _w(
    "dự án;nhà máy;cầu;khu đô thị;bệnh viện;trường;công ty;khu công nghiệp;tuyến đường;cảng;hợp tác xã;khu du lịch"
)
ROLES = _w(
    "Chủ tịch UBND tỉnh;Phó Chủ tịch UBND tỉnh;Bí thư Tỉnh ủy;Giám đốc Sở Tài chính;Giám đốc Sở Xây dựng;Thứ trưởng;Cục trưởng;Tổng Giám đốc;Chuyên gia kinh tế"
)
SUBJECTS = _w(
    "các sở, ban, ngành;chính quyền các cấp;cộng đồng doanh nghiệp;người dân;các địa phương;lực lượng chức năng;nhà đầu tư;các chuyên gia;người lao động"
)
VERBS = _w(
    "đẩy mạnh;triển khai;tập trung;ưu tiên;hoàn thành;nâng cao hiệu quả;xây dựng;rà soát;tháo gỡ vướng mắc trong;thúc đẩy;tăng cường;kiểm tra, giám sát"
)
COMPLEMENTS = _w(
    "trong thời gian tới;theo đúng kế hoạch đề ra;nhằm phục vụ người dân và doanh nghiệp tốt hơn;"
    "góp phần phát triển kinh tế - xã hội của địa phương;ngay từ những tháng đầu năm;để tạo động lực tăng trưởng mới;"
    "một cách đồng bộ, hiệu quả;bảo đảm công khai, minh bạch;trong giai đoạn 2025 - 2030;đáp ứng yêu cầu trong tình hình mới"
)
OPENERS = _w(
    "Theo báo cáo,;Thời gian qua,;Bên cạnh đó,;Đáng chú ý,;Tuy nhiên,;Đến nay,;Trước đó,;Mặt khác,;Từ đầu năm đến nay,;Ngoài ra,"
)
SAYS = _w("cho biết;nhấn mạnh;khẳng định;đề nghị;lưu ý;chia sẻ;nhận định;yêu cầu")
UNITS = _w("tỷ đồng;triệu USD;hồ sơ;doanh nghiệp;lượt khách;ha;km;hộ gia đình;học sinh;tấn")
START = dt.datetime(2023, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
SPAN_DAYS = 3 * 365


@cache
def _tables(seed: int) -> tuple[list[str], list[str], list[float]]:
    """Build the bylines and the Zipf-ranked tag list once per seed."""
    rng = random.Random(f"tables-{seed}")
    authors = sorted(
        {f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}" for _ in range(80)}
    )[:60]
    tags = list(
        dict.fromkeys([t for c in CATEGORIES.values() for t in c[2]] + PROVINCES + GENERIC_TAGS)
    )
    rng.shuffle(tags)
    cum, total = [], 0.0
    for rank in range(len(tags)):
        total += 1.0 / (rank + 1)
        cum.append(total)
    return authors, tags, cum


@lru_cache(maxsize=4096)
def _story(seed: int, s: int) -> dict[str, Any]:
    """Fix what every article of story s shares: place, project, people, topic, time."""
    r = random.Random(f"{seed}-story-{s}")
    cat = r.choice(list(CATEGORIES))
    objects, events, tags = CATEGORIES[cat]
    place = r.choice(PROVINCES)
    return {
        "cat": cat,
        "place": place,
        "entity": f"{r.choice(KINDS)} {r.choice(SYLLABLES)} {r.choice(SYLLABLES)}",
        "person": f"{r.choice(ROLES)} {r.choice(SURNAMES)} {r.choice(MIDDLES)} {r.choice(GIVEN)}",
        "obj": r.choice(objects),
        "event": r.choice(events),
        "tags": [*r.sample(tags, 2), place],
        "day": r.randrange(SPAN_DAYS - 60),
    }


class _Writer:
    """Compose sentences for one article of one story."""

    def __init__(self, r: random.Random, story: dict[str, Any]) -> None:
        self.r, self.s = r, story
        self.objects, self.events, _ = CATEGORIES[story["cat"]]

    def number(self) -> str:
        """Return a Vietnamese-formatted figure (dot thousands separator)."""
        return f"{self.r.choice([self.r.randint(2, 99), self.r.randint(100, 99999)]):,}".replace(
            ",", "."
        )

    def title(self) -> str:
        """Return a headline naming the story's place, project or topic."""
        r, s = self.r, self.s
        t = r.choice(
            [
                f"{s['place']}: {r.choice(VERBS)} {s['obj']} tại {s['entity']}",
                f"{s['entity']} ({s['place']}) {r.choice(VERBS)} {r.choice(self.objects)}",
                f"Khai mạc {s['event']} về {s['obj']} tại {s['place']}",
                f"Tháo gỡ vướng mắc cho {s['entity']} ở {s['place']}",
                f"{s['place']} đặt mục tiêu {r.choice(VERBS)} {s['obj']} đến năm 2030",
                f"Hơn {self.number()} {r.choice(UNITS)} từ {s['entity']}",
            ]
        )
        return t[0].upper() + t[1:]

    def story_sentence(self) -> str:
        """Return a sentence about this story's own entities."""
        r, s = self.r, self.s
        return r.choice(
            [
                f"{s['entity'].capitalize()} tại {s['place']} {r.choice(VERBS)} {s['obj']} {r.choice(COMPLEMENTS)}.",
                f"{s['person']} {r.choice(SAYS)}, {s['entity']} cần {r.choice(VERBS)} {s['obj']} {r.choice(COMPLEMENTS)}.",
                f"Tại {s['event']} ở {s['place']}, các đại biểu đã thảo luận về {s['entity']} và {r.choice(self.objects)}.",
                f"Theo {s['person']}, {s['entity']} đã có {self.number()} {r.choice(UNITS)} liên quan đến {s['obj']}, "
                f"tăng {r.randint(2, 45)}% so với cùng kỳ năm trước.",
            ]
        )

    def filler(self) -> str:
        """Return a generic newsroom sentence of the category."""
        r = self.r
        s = f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {r.choice(self.objects)} {r.choice(COMPLEMENTS)}"
        if r.random() < 0.5:
            s += f", đồng thời {r.choice(VERBS)} {r.choice(self.objects)}"
        if r.random() < 0.4:
            s = f"{r.choice(OPENERS)} {s}"
        elif r.random() < 0.3:
            s = f"Tại {r.choice(self.events)}, {s}, phấn đấu đạt {self.number()} {r.choice(UNITS)}"
        return s[0].upper() + s[1:] + "."

    def paragraph(self) -> str:
        """Return 3 to 5 sentences, about a third of them story-specific."""
        r = self.r
        return " ".join(
            self.story_sentence() if r.random() < 0.3 else self.filler()
            for _ in range(r.randint(3, 5))
        )


def article(i: int, seed: int = 1) -> dict[str, Any]:
    """Return article i of the corpus: the same for a given (seed, i) whatever the corpus size."""
    r = random.Random(f"{seed}-{i}")
    story_id = r.randrange(i // 6 + 30)  # new stories keep appearing; old ones recur
    s = _story(seed, story_id)
    authors, all_tags, cum = _tables(seed)
    w = _Writer(r, s)
    date = START + dt.timedelta(days=s["day"] + r.randint(0, 45), minutes=r.randrange(1440))
    title = w.title()
    summary = (
        f"Ngày {date.day}/{date.month}, {r.choice(['UBND', 'Tỉnh ủy', 'Sở Tài chính'])} {s['place']} tổ chức "
        f"{s['event']} về {s['obj']}, tập trung tháo gỡ vướng mắc tại {s['entity']}."
    )
    paragraphs, words, target = [summary + " " + w.story_sentence()], 0, r.randint(600, 1200)
    while words < target:
        paragraphs.append(w.paragraph())
        words += len(paragraphs[-1].split())
    tags = list(
        dict.fromkeys(
            r.sample(s["tags"], r.randint(1, 3))
            + r.choices(all_tags, cum_weights=cum, k=r.randint(1, 3))
        )
    )
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:70].rstrip("-")
    return {
        "title": title,
        "date": date.isoformat(),
        "author": r.choice(authors),
        "category": s["cat"],
        "tags": tags,
        "summary": summary,
        "body": "\n\n".join(paragraphs) + "\n",
        "slug": f"{slug}-{i}",
        "story": story_id,
    }


def generate(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Yield articles 0..n-1 (keys: title, date, author, category, tags, summary, body, slug, story)."""
    for i in range(n):
        yield article(i, seed)


def write_site(n: int, out_dir: str | Path, seed: int = 1) -> Path:
    """Write a buildable site of n articles: newsgen.yaml plus content/<category>/<yyyy>/<mm>/<slug>.md."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsgen.yaml").write_text("title: Bench\n", encoding="utf-8")
    q = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - JSON strings are YAML scalars
    for a in generate(n, seed):
        folder = (
            root
            / "content"
            / re.sub(r"[^a-z0-9]+", "-", fold(a["category"]))
            / a["date"][:4]
            / a["date"][5:7]
        )
        folder.mkdir(parents=True, exist_ok=True)
        front = [
            f"title: {q(a['title'])}",
            f"date: {a['date']}",
            f"author: {q(a['author'])}",
            f"category: {q(a['category'])}",
            f"tags: {q(a['tags'])}",
            f"summary: {q(a['summary'])}",
            f"slug: {a['slug']}",  # titles repeat across a big corpus; the index keeps URLs unique
        ]
        (folder / f"{a['slug']}.md").write_text(
            "---\n" + "\n".join(front) + "\n---\n\n" + a["body"], encoding="utf-8"
        )
    return root


def add_photos(root: Path, seed: int = 1) -> int:
    """Give every article of a written site one photo, as a newsroom's articles have.

    The photo (an 800x533 JPEG, one of 16) sits next to the article and shows after its first
    paragraph, with a caption. Returns the number of photos.
    """
    from PIL import Image

    r = random.Random(f"{seed}-photos")
    photos = []
    for _ in range(16):  # smooth colour fields: the size of a news photo at this width
        small = Image.frombytes("RGB", (32, 21), r.randbytes(32 * 21 * 3))
        out = io.BytesIO()
        small.resize((800, 533), Image.Resampling.BICUBIC).save(out, "JPEG", quality=85)
        photos.append(out.getvalue())
    count = 0
    for page in sorted(Path(root, "content").rglob("*.md")):
        head, mark, body = page.read_text(encoding="utf-8").partition("\n---\n\n")
        first, _, rest = body.partition("\n\n")
        name = f"anh-{page.stem}.jpg"
        (page.parent / name).write_bytes(photos[count % len(photos)])
        photo = f'![Ảnh minh họa]({name} "Quang cảnh buổi làm việc. Ảnh: Bench")'
        page.write_text(f"{head}{mark}{first}\n\n{photo}\n\n{rest}", encoding="utf-8")
        count += 1
    return count

"""One page layout, two renderers: PIL (a page image, for scans and photos) and fpdf2
(a text-layer PDF). Layouts are in millimetres with baseline-anchored text so both
renderers put every label at the same place."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

FONTS = {  # name -> (file, collection index)
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
}
# fpdf2 cannot subset the CFF-based Noto fonts, so text-layer PDFs use the TrueType Zenhei.
PDF_FONT = FONTS["hei"]
PT_MM = 25.4 / 72
A4 = (210.0, 297.0)
FIXED_DATE = dt.datetime(2026, 4, 20, 9, 30, tzinfo=dt.timezone.utc)


@dataclass
class Item:
    kind: str  # text | rect | line | photo | fill
    x: float
    y: float  # text: baseline; shapes: top
    text: str = ""
    size: float = 11.0  # pt
    font: str = "sans"
    w: float = 0.0
    h: float = 0.0
    color: tuple = (20, 20, 20)
    seed: int = 0
    field: str | None = None  # ground-truth field this text carries (value = text after label)


@dataclass
class PageLayout:
    doc_type: str
    items: list[Item] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)  # (field, value) printed here
    size: tuple[float, float] = A4
    copy: bool = True  # a copy of an original: gets seal + 与原件相符 under ART5.F
    title: str = ""
    free_zone: tuple[float, float, float, float] | None = None  # mm box free for seal/mark
    seal_spots: list[tuple] = field(default_factory=list)  # original seals: (x, y[, seal name]) mm centres

    def text(self, x, y, s, size=11.0, font="sans", color=(20, 20, 20)):
        self.items.append(Item("text", x, y, s, size, font, color=color))

    def field(self, name, value):
        self.fields.append((name, value))

    def rect(self, x, y, w, h, color=(60, 60, 60)):
        self.items.append(Item("rect", x, y, w=w, h=h, color=color))

    def line(self, x, y, w, h=0.0, color=(60, 60, 60)):
        self.items.append(Item("line", x, y, w=w, h=h, color=color))

    def fill(self, x, y, w, h, color):
        self.items.append(Item("fill", x, y, w=w, h=h, color=color))

    def photo(self, x, y, w, h, seed):
        self.items.append(Item("photo", x, y, w=w, h=h, seed=seed))

    def para(self, x, y, width, s, size=11.0, font="sans", lead=1.75) -> float:
        """Wrapped paragraph; returns the next baseline. CJK glyphs are one em wide,
        ASCII about half, which is close enough for both renderers."""
        em = size * PT_MM
        line, used = "", 0.0
        for ch in s:
            cw = em * (0.55 if ord(ch) < 128 else 1.0)
            if used + cw > width and line:
                self.text(x, y, line, size, font)
                y += em * lead
                line, used = "", 0.0
            line += ch
            used += cw
        if line:
            self.text(x, y, line, size, font)
            y += em * lead
        return y


@lru_cache(maxsize=64)
def pil_font(name: str, px: int):
    path, index = FONTS[name]
    return ImageFont.truetype(path, px, index=index)


def draw_photo(img: Image.Image, box, seed: int):
    """A plain head-and-shoulders silhouette, distinct per person (seed), for ID/certificates."""
    import random
    r = random.Random(seed)
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    bg = (r.randint(180, 235), r.randint(200, 240), r.randint(225, 255))
    d.rectangle(box, fill=bg)
    skin = (r.randint(190, 230), r.randint(150, 190), r.randint(120, 160))
    hair = (r.randint(10, 60),) * 3
    cx = x0 + w * r.uniform(0.45, 0.55)
    hw = w * r.uniform(0.22, 0.3)
    d.ellipse([x0 + w * 0.05, y0 + h * 0.68, x1 - w * 0.05, y1 + h * 0.4], fill=(r.randint(20, 90),) * 3)
    d.ellipse([cx - hw, y0 + h * 0.18, cx + hw, y0 + h * 0.72], fill=skin)
    d.chord([cx - hw * 1.05, y0 + h * r.uniform(0.1, 0.16), cx + hw * 1.05, y0 + h * 0.5], 180, 360, fill=hair)
    for ex in (-0.4, 0.4):
        d.ellipse([cx + hw * ex - 3, y0 + h * 0.42 - 2, cx + hw * ex + 3, y0 + h * 0.42 + 2], fill=(30, 30, 30))


def to_image(page: PageLayout, dpi: int = 200, paper=(255, 255, 255)) -> Image.Image:
    k = dpi / 25.4
    W, H = round(page.size[0] * k), round(page.size[1] * k)
    img = Image.new("RGB", (W, H), paper)
    d = ImageDraw.Draw(img)
    for it in page.items:
        if it.kind == "text":
            f = pil_font(it.font, max(6, round(it.size * dpi / 72)))
            d.text((it.x * k, it.y * k), it.text, font=f, fill=it.color, anchor="ls")
        elif it.kind == "rect":
            d.rectangle([it.x * k, it.y * k, (it.x + it.w) * k, (it.y + it.h) * k], outline=it.color,
                        width=max(1, round(dpi / 100)))
        elif it.kind == "line":
            d.line([it.x * k, it.y * k, (it.x + it.w) * k, (it.y + it.h) * k], fill=it.color,
                   width=max(1, round(dpi / 100)))
        elif it.kind == "fill":
            d.rectangle([it.x * k, it.y * k, (it.x + it.w) * k, (it.y + it.h) * k], fill=it.color)
        elif it.kind == "photo":
            draw_photo(img, (round(it.x * k), round(it.y * k), round((it.x + it.w) * k), round((it.y + it.h) * k)), it.seed)
    return img


def new_pdf(title: str = "", producer: str = "Microsoft® Word 2016", creator: str = "Microsoft® Word 2016",
            when: dt.datetime = FIXED_DATE):
    """An fpdf2 document with fixed dates and producer, so output is byte-identical."""
    from fpdf import FPDF
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(when)
    pdf.set_producer(producer)
    pdf.set_creator(creator)
    if title:
        pdf.set_title(title)
    return pdf


def ensure_font(pdf) -> None:
    """Load the font only into PDFs that carry text: parsing the 17 MB collection costs
    a second, and image-only scans must not embed a font anyway."""
    if "hei" not in pdf.fonts:
        import logging
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
        pdf.add_font("hei", "", PDF_FONT[0], collection_font_number=PDF_FONT[1])


def add_text_page(pdf, page: PageLayout, invisible_over: dict | None = None):
    """Vector page: every text item in the TrueType font, shapes as strokes."""
    ensure_font(pdf)
    pdf.add_page(format=page.size)
    for it in page.items:
        if it.kind == "text":
            pdf.set_font("hei", size=it.size)
            pdf.set_text_color(*it.color)
            pdf.text(it.x, it.y, it.text)
        elif it.kind in ("rect", "photo"):
            pdf.set_draw_color(*it.color if it.kind == "rect" else (120, 120, 120))
            pdf.set_line_width(0.25)
            pdf.rect(it.x, it.y, it.w, it.h)
        elif it.kind == "line":
            pdf.set_draw_color(*it.color)
            pdf.set_line_width(0.25)
            pdf.line(it.x, it.y, it.x + it.w, it.y + it.h)
        elif it.kind == "fill":
            pdf.set_fill_color(*it.color)
            pdf.rect(it.x, it.y, it.w, it.h, style="F")


def add_image_page(pdf, jpeg_bytes: bytes, size_mm=A4, text_layer: list[Item] | None = None):
    """A scanned page: the JPEG as is (DCT, no re-encode), optionally with an invisible
    OCR text layer on top, as scanner software writes it."""
    import io
    pdf.add_page(format=size_mm)
    pdf.image(io.BytesIO(jpeg_bytes), x=0, y=0, w=size_mm[0], h=size_mm[1])
    if text_layer:
        ensure_font(pdf)
        with pdf.local_context(text_mode="INVISIBLE"):
            for it in text_layer:
                if it.kind == "text":
                    pdf.set_font("hei", size=it.size)
                    pdf.text(it.x, it.y, it.text)

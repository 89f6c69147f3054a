"""OFD (GB/T 33190-2016, 版式文档): electronic licences, bank receipts and e-invoices.

An OFD is a zip: OFD.xml names each document's Document.xml (DocBody/DocRoot), which
gives the page box (CommonData/PageArea/PhysicalBox, millimetres), the resource files and
the pages (Pages/Page@BaseLoc -> Content.xml). A page's Content holds layers of
TextObject (Boundary "x y w h" in mm; its TextCode children carry the text) and
ImageObject (Boundary, ResourceID -> a MultiMedia file in the resources).

Read here with the standard zip module and lxml (no entity resolution, no network): the
text is exact like a PDF text layer (engine "text_layer", boxes as page fractions), and the
page is drawn for review and forensics by laying the images and the text on a blank page of
the page box's size. easyofd was judged and not used: it renders through PyMuPDF (AGPL),
writes a non-standard namespace and page box of its own, and logs font warnings at import.
A signature (Signs/Signatures.xml) is noted as present, not verified.
"""
from __future__ import annotations

import io
import logging
import posixpath
import zipfile
from pathlib import Path

from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from extractors.carriers.archive import package_problem
from extractors.carriers.common import (
    MAX_IMAGE_PIXELS,
    MAX_PAGES,
    MAX_RENDER_PIXELS,
    attach_image,
    failed,
    page_image_path,
)
from extractors.records import FileReading, Page, TextLine
from extractors.textclean import clean_line

log = logging.getLogger(__name__)
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
A4_MM = (210.0, 297.0)


class OfdError(ValueError):
    """The package is not a readable OFD (reason in Chinese)."""


def is_ofd(names: set[str]) -> bool:
    return "OFD.xml" in names or "/OFD.xml" in names


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _find(el, *path: str):
    """First descendant along `path` by local names (producers differ in namespace)."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c) == name), None)
    return el


def _iter(el, name: str):
    return (c for c in el.iter() if _local(c) == name)


def _numbers(text: str | None) -> list[float]:
    try:
        return [float(v) for v in (text or "").split()]
    except ValueError:
        return []


class _Package:
    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = {n.lstrip("/"): n for n in zf.namelist()}

    def resolve(self, base_dir: str, loc: str) -> str | None:
        """A location in the package: absolute ("/Doc_0/..."), relative to the referring
        file's folder, or (as some producers write it) relative to the package root."""
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            return None
        tries = [loc.lstrip("/")] if loc.startswith("/") else [posixpath.normpath(posixpath.join(base_dir, loc)), loc]
        return next((t for t in tries if t in self.names), None)

    def xml(self, name: str):
        try:
            return etree.fromstring(self.zf.read(self.names[name]), _PARSER)
        except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, ValueError) as e:
            raise OfdError(f"{name} 无法解析（{type(e).__name__}）") from e

    def read(self, name: str) -> bytes:
        return self.zf.read(self.names[name])


def _media(pkg: _Package, res_files: list[str]) -> dict[str, str]:
    """ResourceID -> image file in the package, from every resource file."""
    out = {}
    for res in res_files:
        try:
            root = pkg.xml(res)
        except OfdError:
            continue
        res_dir = posixpath.dirname(res)
        base = root.get("BaseLoc", "")
        for mm in _iter(root, "MultiMedia"):
            f = _find(mm, "MediaFile")
            if f is None or not mm.get("ID"):
                continue
            loc = pkg.resolve(posixpath.join(res_dir, base), f.text or "") or pkg.resolve(res_dir, f.text or "")
            if loc:
                out[mm.get("ID")] = loc
    return out


def _page_box(el, area: str, default: tuple[float, float]) -> tuple[float, float]:
    """Width and height (mm) of `el`'s <area>/PhysicalBox, else `default`."""
    box = _numbers(getattr(_find(el, area, "PhysicalBox"), "text", None)) if el is not None else []
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        return box[2], box[3]
    return default


def _objects(page_root):
    """(kind, boundary, element) of every text and image object, in drawing order."""
    content = _find(page_root, "Content")
    if content is None:
        return
    for el in content.iter():
        kind = _local(el)
        if kind in ("TextObject", "ImageObject"):
            b = _numbers(el.get("Boundary"))
            if len(b) == 4:
                yield kind, b, el


def _text_of(obj) -> str:
    return "".join(tc.text or "" for tc in _iter(obj, "TextCode"))


def read_ofd(rel: str, path: Path, work_dir: Path, sha256: str, dpi: int = 300) -> FileReading:
    problem = package_problem(path)
    if problem:
        return failed(rel, path, sha256, "ofd", "unsafe_package", problem)
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(rel, path, work_dir, sha256, dpi, _Package(zf))
    except OfdError as e:
        return failed(rel, path, sha256, "ofd", "corrupt", f"OFD 文件{e}")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError, RuntimeError) as e:
        return failed(rel, path, sha256, "ofd", "corrupt", f"OFD 文件无法解析（{type(e).__name__}）")


def _read(rel: str, path: Path, work_dir: Path, sha256: str, dpi: int, pkg: _Package) -> FileReading:
    ofd = pkg.xml(pkg.resolve("", "OFD.xml") or "OFD.xml")
    roots = [r for r in _iter(ofd, "DocRoot") if r.text]
    if not roots:
        raise OfdError("缺少 DocRoot（文档根节点）")
    signed = any(n.rsplit("/", 1)[-1] == "Signatures.xml" for n in pkg.names) or any(True for _ in _iter(ofd, "Signatures"))
    info = _find(_find(ofd, "DocBody"), "DocInfo")
    meta = {
        "ofd_signed": signed,
        "creator": getattr(_find(info, "Creator"), "text", None) if info is not None else None,
        "created": getattr(_find(info, "CreationDate"), "text", None) if info is not None else None,
        "pages": [],
    }
    if signed:
        meta["note"] = "OFD 含电子签章（签名文件存在，本系统未验证签章有效性，请在签章验证工具中核验）"
    reading = FileReading(file=rel, source_path=str(path), sha256=sha256, kind="ofd", meta=meta)
    for doc_loc in roots:
        doc_name = pkg.resolve("", doc_loc.text)
        if doc_name is None:
            raise OfdError(f"找不到文档 {doc_loc.text}")
        doc = pkg.xml(doc_name)
        doc_dir = posixpath.dirname(doc_name)
        common = _find(doc, "CommonData")
        default = _page_box(common, "PageArea", A4_MM)
        res_files = [r for el in (common if common is not None else []) if _local(el) in ("PublicRes", "DocumentRes")
                     for r in [pkg.resolve(doc_dir, el.text or "")] if r]
        media = _media(pkg, res_files)
        pages = [p for p in _iter(doc, "Page") if p.get("BaseLoc")]
        if len(reading.pages) + len(pages) > MAX_PAGES:
            return failed(rel, path, sha256, "ofd", "too_large", f"共 {len(reading.pages) + len(pages)} 页，上限 {MAX_PAGES} 页", meta)
        for page_el in pages:
            n = len(reading.pages) + 1
            reading.pages.append(_read_page(rel, n, pkg, doc_dir, page_el, default, media, work_dir, sha256, dpi, meta))
    if not reading.pages:
        raise OfdError("没有页面")
    return reading


def _read_page(rel, n, pkg, doc_dir, page_el, default, media, work_dir, sha256, dpi, meta) -> Page:
    page = Page(file=rel, page=n)
    loc = pkg.resolve(doc_dir, page_el.get("BaseLoc"))
    if loc is None:
        page.error = f"第 {n} 页内容文件缺失"
        return page
    try:
        root = pkg.xml(loc)
    except OfdError as e:
        page.error = f"第 {n} 页{e}"
        return page
    width, height = _page_box(root, "Area", default)
    objects = list(_objects(root))
    lines = []
    cover = 0.0
    for kind, (x, y, w, h), el in objects:
        if kind == "ImageObject":
            cover += max(0.0, w * h) / (width * height)
            continue
        text = clean_line(_text_of(el))
        if not text:
            continue
        bbox = (x / width, y / height, (x + w) / width, (y + h) / height)
        lines.append(TextLine(text=text, bbox=tuple(min(1.0, max(0.0, v)) for v in bbox), confidence=1.0, engine="text_layer"))
    lines.sort(key=lambda ln: (round(ln.bbox[1], 3), ln.bbox[0]))
    scan = cover > 0.5
    page.lines = lines
    page.text_source = "text_layer" if lines else "ocr"
    page.needs_ocr = not lines
    # The image is drawn from the text itself unless a scan lies under it: OCR of a drawing
    # of the text would only confirm the text, so only scans are read again.
    meta["pages"].append({"page": n, "image_cover": round(min(1.0, cover), 3), "text_chars": sum(len(ln.text) for ln in lines),
                          "text_over_image": bool(lines) and scan, "image_from_text": bool(lines) and not scan})
    dest = page_image_path(work_dir, sha256, n, dpi)
    try:
        attach_image(page, dest, lambda: _render(pkg, objects, media, width, height, dpi, draw_text=not scan))
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        page.error = f"第 {n} 页无法绘制为图像（{type(e).__name__}）"
        page.needs_ocr = False
    return page


def _render(pkg, objects, media, width_mm, height_mm, dpi, draw_text=True) -> Image.Image:
    scale = dpi / 25.4  # pixels per millimetre
    scale = min(scale, (MAX_RENDER_PIXELS / max(1.0, width_mm * height_mm)) ** 0.5)
    size = (max(1, round(width_mm * scale)), max(1, round(height_mm * scale)))
    canvas = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(canvas)
    for kind, (x, y, w, h), el in objects:
        box = (round(x * scale), round(y * scale), max(1, round(w * scale)), max(1, round(h * scale)))
        if kind == "ImageObject":
            loc = media.get(el.get("ResourceID", ""))
            if loc is None:
                continue
            try:
                with Image.open(io.BytesIO(pkg.read(loc))) as im:
                    if im.width * im.height > MAX_IMAGE_PIXELS:
                        continue
                    canvas.paste(im.convert("RGB").resize(box[2:]), box[:2])
            except (OSError, ValueError, Image.DecompressionBombError):
                log.warning("OFD image %s unreadable", loc)
        elif draw_text:
            text = _text_of(el)
            if text.strip():
                size_mm = _numbers(el.get("Size") or el.get("size"))
                px = max(6, round((size_mm[0] if size_mm else h * 0.8) * scale))
                draw.text(box[:2], text, fill="black", font=_font(px))
    return canvas


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(px: int) -> ImageFont.FreeTypeFont:
    if px not in _FONTS:
        _FONTS[px] = ImageFont.truetype(FONT, px, index=0)
    return _FONTS[px]

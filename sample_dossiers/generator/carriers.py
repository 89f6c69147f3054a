"""Writing pages into the files a dossier is made of — scanned PDFs, text-layer PDFs,
Word files, JPEG/PNG/TIFF images, GBK-named zips — and recording the ground truth of
what each file holds. Every writer fixes dates and metadata for byte-identical output."""
from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from . import degrade
from .render import FIXED_DATE, PageLayout, add_image_page, add_text_page, new_pdf, to_image
from .seals import annotate_copy

ZIP_DATE = (2026, 4, 20, 9, 30, 0)


@dataclass
class Cond:
    """How one page is produced: copy marks, then the scanner's or camera's damage."""
    seal: bool = True
    mark: bool = True
    skew: float = 0.0
    rotate: int = 0  # 0/90/180/270: page fed or photographed turned
    noise: float = 2.0
    blur: float = 0.0
    tint: tuple = (250, 250, 248)
    quality: int = 68
    dpi: int = 200
    artefacts: int = 0  # an earlier JPEG round-trip at this quality (0 = none)
    photo: bool = False

    @property
    def label(self) -> str:
        if self.photo:
            return "photo"
        if self.rotate or abs(self.skew) >= 1 or self.blur >= 0.8 or self.noise >= 8 or self.artefacts:
            return "degraded_scan"
        if self.seal or self.mark:
            return "sealed"
        return "clean_scan"


DPI_OVERRIDE: list[int] = []  # tests render at low resolution to stay fast


def render_scan(layout: PageLayout, cond: Cond, seal_name: str, rng: random.Random) -> Image.Image:
    if DPI_OVERRIDE:
        cond = Cond(**{**cond.__dict__, "dpi": DPI_OVERRIDE[0]})
    img = to_image(layout, cond.dpi)
    k = cond.dpi / 25.4
    for spot in layout.seal_spots:
        from .seals import stamp
        # a spot may name its own seal (an issuing authority's) instead of the applicant's
        stamp(img, spot[2] if len(spot) > 2 else seal_name, (int(spot[0] * k), int(spot[1] * k)), cond.dpi, rng)
    if layout.copy and (cond.seal or cond.mark) and layout.free_zone:
        annotate_copy(img, seal_name, layout.free_zone, cond.dpi, rng, cond.seal, cond.mark)
    img = degrade.paper(img, cond.tint)
    if cond.skew:
        img = degrade.skew(img, cond.skew)
    if cond.blur:
        img = degrade.blur(img, cond.blur)
    if cond.noise:
        img = degrade.noise(img, cond.noise, rng)
    if cond.artefacts:
        img = degrade.recompress(img, cond.artefacts)
    if cond.rotate:
        img = img.rotate(cond.rotate, expand=True)
    return img


def encode(img: Image.Image, quality: int) -> bytes:
    """Greyscale JPEG unless the page carries red ink (seal), as a colour scan would."""
    if degrade.has_colour(img):
        return degrade.jpeg_bytes(degrade.keep_red(img), quality)
    return degrade.jpeg_bytes(img, quality, grey=True)


def write_zip_deterministic(path: Path, members: list[tuple[str, bytes]], gbk: bool = False) -> None:
    """Fixed timestamps and order; with `gbk`, names are stored as GBK bytes without the
    UTF-8 flag (0x800), as Windows zip tools in China write them."""

    class GbkInfo(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
            if gbk:
                return self.filename.encode("gbk"), self.flag_bits & ~0x800
            return super()._encodeFilenameFlags()

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = GbkInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16 if not gbk else 0x20
            z.writestr(info, data)


def normalize_docx(path: Path) -> None:
    """python-docx stamps zip entries with the current time: rewrite them fixed."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    write_zip_deterministic(path, members)


def fix_docx_props(doc) -> None:
    cp = doc.core_properties
    when = FIXED_DATE.replace(tzinfo=None)
    cp.author = "admin"
    cp.last_modified_by = "admin"
    cp.created = when
    cp.modified = when
    cp.revision = 3
    cp.title = ""


@dataclass
class Truth:
    documents: list = field(default_factory=list)
    fields: list = field(default_factory=list)

    def add(self, file: str, first_page: int, layouts: list[PageLayout], conds: list[str]):
        """Group consecutive pages of one document type into one document entry."""
        i = 0
        while i < len(layouts):
            j = i
            while j + 1 < len(layouts) and layouts[j + 1].doc_type == layouts[i].doc_type and \
                    layouts[j + 1].title.split("（")[0] == layouts[i].title.split("（")[0] and \
                    layouts[i].doc_type in ("labour_contract", "application_report"):
                j += 1
            pages = list(range(first_page + i, first_page + j + 1))
            self.documents.append({"file": file, "pages": pages, "type": layouts[i].doc_type,
                                   "condition": conds[i]})
            for k in range(i, j + 1):
                for f, v in layouts[k].fields:
                    self.fields.append({"file": file, "page": first_page + k, "doc_type": layouts[k].doc_type,
                                        "field": f, "value": v, "condition": conds[k]})
            i = j + 1


class DossierWriter:
    """Writes one dossier's files under root (a folder; zipped at the end if asked)."""

    def __init__(self, root: Path, seal_name: str, rng: random.Random):
        self.root = root
        self.seal_name = seal_name
        self.rng = rng
        self.truth = Truth()

    def _path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def scan_pdf(self, rel: str, pages: list[tuple[PageLayout, Cond]], text_layers: dict | None = None,
                 images: dict | None = None, producer: str = "Canon iR-ADV C5535 PDF",
                 when: dt.datetime = FIXED_DATE) -> Path:
        """Image-only PDF of several documents; `text_layers` {page index: items} adds an
        invisible OCR layer; `images` {page index: ready image} replaces a rendering."""
        pdf = new_pdf(producer=producer, creator=producer, when=when)
        for i, (lay, cond) in enumerate(pages):
            img = (images or {}).get(i) or render_scan(lay, cond, self.seal_name, self.rng)
            w_mm, h_mm = lay.size if cond.rotate in (0, 180) else lay.size[::-1]
            add_image_page(pdf, encode(img, cond.quality), (w_mm, h_mm), (text_layers or {}).get(i))
        path = self._path(rel)
        pdf.output(str(path))
        self.truth.add(rel, 1, [p for p, _ in pages], [c.label for _, c in pages])
        return path

    def text_pdf(self, rel: str, layouts: list[PageLayout], producer: str = "Microsoft® Word 2016",
                 when: dt.datetime = FIXED_DATE) -> Path:
        from .seals import copy_overlay
        pdf = new_pdf(producer=producer, creator=producer, when=when)
        for lay in layouts:
            add_text_page(pdf, lay)
            for spot in lay.seal_spots:  # an electronic seal on the signature line
                from .seals import seal_image
                x, y = spot[:2]
                buf = io.BytesIO()
                seal_image(spot[2] if len(spot) > 2 else self.seal_name, 248, self.rng).save(buf, "PNG", optimize=True)
                pdf.image(buf, x=x - 21, y=y - 21, w=42, h=42)
            if lay.copy and lay.free_zone:
                x0, y0, x1, y1 = lay.free_zone
                buf = io.BytesIO()
                copy_overlay(self.seal_name, lay.free_zone, 150, self.rng).save(buf, "PNG", optimize=True)
                pdf.image(buf, x=x0, y=y0, w=x1 - x0, h=y1 - y0)
        path = self._path(rel)
        pdf.output(str(path))
        self.truth.add(rel, 1, layouts, ["text_layer"] * len(layouts))
        return path

    def image(self, rel: str, lay: PageLayout, cond: Cond, exif_orientation: int | None = None,
              img: Image.Image | None = None) -> Path:
        """One page as JPG / PNG / TIFF by extension. With an EXIF orientation, the pixels
        are stored turned and the tag tells viewers how to turn them back."""
        img = img or render_scan(lay, cond, self.seal_name, self.rng)
        path = self._path(rel)
        ext = path.suffix.lower()
        if ext in (".jpg", ".jpeg"):
            out = degrade.keep_red(img) if degrade.has_colour(img) and not cond.photo else img.convert("RGB")
            kw = {}
            if exif_orientation:
                # 6 = viewer rotates 90° clockwise; store the pixels 90° counter-clockwise
                turn = {6: 90, 8: 270, 3: 180}[exif_orientation]
                out = out.rotate(turn, expand=True)
                ex = Image.Exif()
                ex[0x0112] = exif_orientation
                ex[0x010F] = "HUAWEI"
                ex[0x0110] = "ELS-AN00"
                kw["exif"] = ex.tobytes()
            out.save(path, "JPEG", quality=cond.quality, optimize=True, progressive=True, **kw)
        elif ext == ".png":
            degrade.keep_red(img).convert("P", palette=Image.ADAPTIVE, colors=32).save(path, "PNG", optimize=True)
        elif ext in (".tif", ".tiff"):
            degrade.keep_red(img).save(path, "TIFF", compression="jpeg", quality=cond.quality,
                                       dpi=(cond.dpi, cond.dpi))
        self.truth.add(rel, 1, [lay], [cond.label])
        return path

    def docx_form(self, rel: str, doc, layout_fields: list[tuple[str, str]]) -> Path:
        path = self._path(rel)
        fix_docx_props(doc)
        doc.save(str(path))
        normalize_docx(path)
        lay = PageLayout("application_form", fields=layout_fields, copy=False)
        self.truth.add(rel, 1, [lay], ["docx"])
        return path

    def docx_with_scan(self, rel: str, lay: PageLayout, cond: Cond, caption: str) -> Path:
        """A Word file holding a pasted scan, as some applicants submit copies."""
        from docx import Document
        from docx.shared import Mm
        img = render_scan(lay, cond, self.seal_name, self.rng)
        doc = Document()
        doc.add_paragraph(caption)
        doc.add_picture(io.BytesIO(encode(img, cond.quality)), width=Mm(160))
        path = self._path(rel)
        fix_docx_props(doc)
        doc.save(str(path))
        normalize_docx(path)
        # Readers give a Word file's own text page 1 and each embedded picture the pages after.
        self.truth.add(rel, 2, [lay], [cond.label])
        return path

    def zip_up(self, zip_path: Path, gbk: bool = True) -> None:
        """Replace the folder by a zip of it; truth file names stay relative to the root."""
        import shutil
        files = sorted(p for p in self.root.rglob("*") if p.is_file())
        write_zip_deterministic(zip_path, [(p.relative_to(self.root).as_posix(), p.read_bytes()) for p in files], gbk)
        shutil.rmtree(self.root)


def fresh_dirs(out, truth=None):
    """The batch folder and its truth folder (default: `<out>_truth` beside it), emptied:
    a generated batch never mixes with an earlier one."""
    import shutil
    from pathlib import Path

    out = Path(out)
    truth = Path(truth) if truth else out.parent / (out.name + "_truth")
    for p in (out, truth):
        if p.exists():
            shutil.rmtree(p)
        p.mkdir(parents=True)
    return out, truth

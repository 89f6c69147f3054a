"""What every carrier shares: error readings with the reviewer's Chinese reason, page-image
naming in the work folder, and the limits that keep one bad file from stalling a batch."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from extractors import page_raster, transparency
from extractors.records import FileReading

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PAGES = 500
# Pillow's own bomb guard is 179 Mpx; a 600 dpi A3 scan is ~70 Mpx.
MAX_IMAGE_PIXELS = 120_000_000
# A PDF page is rendered at most this large (an A3 page at 300 dpi is 17.5 Mpx); a larger
# page box is rendered at a lower resolution rather than allocating gigabytes.
MAX_RENDER_PIXELS = 40_000_000

# error_code -> reason shown to the reviewer (details appended after "：").
REASONS = {
    "corrupt": "文件已损坏，无法读取",
    "encrypted": "文件已加密（设有打开密码），无法读取",
    "empty": "文件为空（0 字节）",
    "unsupported": "不支持的文件类型",
    "too_large": "文件过大，超出处理上限",
    "legacy_unconverted": "Office/WPS 文件（.doc/.wps/.xls/.et/.ppt/.dps 等）未能转换：本机未安装 LibreOffice，请人工打开核对或要求申请单位提交 PDF/DOCX",
    "unsafe_archive": "压缩包条目不安全，已拒绝解压",
    "unsafe_package": "文件内部结构异常，已拒绝读取",
    "symlink": "符号链接，已忽略（不读取其指向的文件）",
}


def failed(rel: str, path: Path, sha256: str, kind: str, code: str, detail: str = "",
           meta: dict | None = None) -> FileReading:
    reason = REASONS.get(code, code)
    return FileReading(
        file=rel,
        source_path=str(path),
        sha256=sha256,
        kind=kind,
        error_code=code,
        error=f"{reason}：{detail}" if detail else reason,
        meta=meta or {},
    )


def page_image_path(work_dir: Path, sha256: str, page: int, dpi: int | None = None) -> Path:
    """Named by content hash, so a rerun (or the same scan submitted twice) reuses it; a page
    raster (extractors/page_raster.py)."""
    suffix = f"_{dpi}dpi" if dpi else ""
    return work_dir / "pages" / f"{sha256[:24]}_p{page:03d}{suffix}{page_raster.SUFFIX}"


def to_rgb(im: Image.Image) -> Image.Image:
    """Any mode as 8-bit RGB: transparent images laid on paper with their ink kept visible
    (white ink too, see extractors/transparency.py), 16-bit ones scaled to 8 bit instead of
    clipped to white."""
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info) \
            or (im.mode in ("L", "RGB") and "transparency" in im.info):
        rgba = np.asarray(im.convert("RGBA"))
        return Image.fromarray(transparency.flatten(rgba[..., :3], rgba[..., 3]), "RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return Image.fromarray(transparency.to_8bit(np.asarray(im))).convert("RGB")
    if im.mode != "RGB":
        return im.convert("RGB")
    return im


def save_page(im: Image.Image, dest: Path) -> None:
    """Write a page image into the work folder as a page raster (an RGB image)."""
    page_raster.write(dest, np.asarray(im.convert("RGB") if im.mode != "RGB" else im))


def attach_image(page, dest: Path, make_image) -> None:
    """Give `page` its rendered image: written once (a re-run reuses the file named by
    content hash), then its size and path recorded. `make_image()` is called only when the
    file is missing; decoding errors propagate to the carrier, which records them."""
    if not dest.exists():
        save_page(to_rgb(make_image()), dest)
    page.width, page.height = page_raster.image_size(dest)
    page.image_path = str(dest)

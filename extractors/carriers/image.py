"""Photos and scans (JPEG, PNG, TIFF incl. multi-page, GIF, BMP, WebP) -> upright PNG pages."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from extractors.carriers.common import (
    MAX_IMAGE_PIXELS,
    MAX_PAGES,
    failed,
    attach_image,
    page_image_path,
)
from extractors.records import FileReading, Page

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def read_image(rel: str, path: Path, work_dir: Path, sha256: str, kind: str) -> FileReading:
    try:
        im = Image.open(path)
    except Image.DecompressionBombError as e:
        return failed(rel, path, sha256, "image", "too_large", f"图像像素过多（{e.args[0][:40]}…）")
    except (UnidentifiedImageError, OSError, ValueError) as e:
        return failed(rel, path, sha256, "image", "corrupt", f"图像无法解码（{type(e).__name__}）")
    with im:
        exif = im.getexif()
        frames = getattr(im, "n_frames", 1)
        meta = {
            "format": im.format,
            "exif_present": len(exif) > 0,
            "exif_orientation": int(exif.get(0x0112, 1) or 1),
            "exif_software": str(exif.get(0x0131)) if exif.get(0x0131) else None,
            "exif_datetime": str(exif.get(0x0132)) if exif.get(0x0132) else None,
            "size": list(im.size),
            "mode": im.mode,
            "frames": frames,
            "dpi": [float(v) for v in im.info["dpi"]] if "dpi" in im.info else None,
        }
        if frames > MAX_PAGES:
            return failed(rel, path, sha256, "image", "too_large", f"共 {frames} 帧", meta)
        reading = FileReading(file=rel, source_path=str(path), sha256=sha256, kind="image", meta=meta)
        # Animated GIFs are not documents: only their first frame counts.
        n = frames if kind == "tiff" else 1
        for i in range(n):
            page = Page(file=rel, page=i + 1, text_source="ocr", needs_ocr=True,
                        source_image=(kind == "jpeg"))
            dest = page_image_path(work_dir, sha256, i + 1)
            try:
                attach_image(page, dest, lambda: _frame(im, i))
            except (OSError, ValueError, EOFError) as e:
                # A truncated JPEG fails here, after its header was read fine.
                page.error = f"第 {i + 1} 页图像无法解码（{type(e).__name__}）"
                page.needs_ocr = False
            reading.pages.append(page)
    if all(p.error for p in reading.pages):
        reading.error_code = "corrupt"
        reading.error = "文件已损坏，无法读取：图像数据不完整"
    return reading


def _frame(im: Image.Image, i: int) -> Image.Image:
    """Frame `i` of a (multi-page) image, turned upright by its EXIF orientation."""
    im.seek(i)
    return ImageOps.exif_transpose(im.copy())

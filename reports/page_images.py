"""Page images in the output folder (docs/SCREENING.md, 'Page images in the output').

Reviewers see the upright page; provenance boxes are fractions of that upright image,
so scaling keeps them valid.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from extractors.page_image import load_page

from extractors.records import Page

MAX_WIDTH = 1600
JPEG_QUALITY = 80


def export_page_images(pages: list[Page], dossier_out: Path) -> dict[tuple[str, int], str]:
    """Write each page's image as `pages/NNN.jpg` (NNN = order in `pages`, from 001).

    Pages without an image, or whose image cannot be opened, are skipped: the review
    page then shows the findings without a picture rather than failing the dossier.
    Returns (file, page) -> path relative to `dossier_out`.
    """
    out_dir = Path(dossier_out) / "pages"
    mapping: dict[tuple[str, int], str] = {}
    n = 0
    for page in pages:
        if not page.image_path:
            continue
        try:
            img = load_page(page.image_path).convert("RGB")  # JPEG has no alpha / palette
        except (OSError, ValueError):
            continue
        if img.width > MAX_WIDTH:
            h = max(1, round(img.height * MAX_WIDTH / img.width))
            img = img.resize((MAX_WIDTH, h), Image.LANCZOS, reducing_gap=2.0)  # box-reduce first: 5x faster
        n += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        rel = f"pages/{n:03d}.jpg"
        img.save(Path(dossier_out) / rel, "JPEG", quality=JPEG_QUALITY, optimize=True)
        mapping[(page.file, page.page)] = rel
    return mapping

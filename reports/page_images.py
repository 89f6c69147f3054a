"""Page images in the output folder (docs/SCREENING.md, 'Page images in the output').

Reviewers see the upright page; provenance boxes are fractions of that upright image,
so scaling keeps them valid.
"""
from __future__ import annotations

from pathlib import Path

import cv2
from PIL import Image

from extractors import page_image
from extractors.page_memo import page_memo
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
    decoded: dict[int, object] = {}
    # Pages the judging steps just decoded are still in the shared page cache: export them
    # first, before decoding the others pushes them out (each page decoded once, not twice).
    todo = [i for i, p in enumerate(pages) if p.image_path]
    todo.sort(key=lambda i: not page_image.is_cached(pages[i].image_path))
    for i in todo:
        try:
            decoded[i] = review_image(pages[i].image_path)
        except (OSError, ValueError):
            continue
    mapping: dict[tuple[str, int], str] = {}
    n = 0
    for i, page in enumerate(pages):
        if i not in decoded:
            continue
        n += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        rel = f"pages/{n:03d}.jpg"
        (Path(dossier_out) / rel).write_bytes(decoded[i])
        mapping[(page.file, page.page)] = rel
    return mapping


@page_memo
def review_image(image_path: str) -> bytes:
    """The page as JPEG bytes, at most MAX_WIDTH wide (memoised: a dossier judged again, as
    when a batch gains a dossier, re-exports its pages without decoding them)."""
    import io

    rgb = page_image.load_rgb_array(image_path)  # JPEG has no alpha / palette: RGB
    h, w = rgb.shape[:2]
    if w > MAX_WIDTH:
        # Area averaging: anti-aliased like Lanczos for text, at a third of its cost.
        rgb = cv2.resize(rgb, (MAX_WIDTH, max(1, round(h * MAX_WIDTH / w))), interpolation=cv2.INTER_AREA)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()

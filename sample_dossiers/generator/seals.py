"""The applicant's round red seal (unit name around a five-pointed star) and a
handwritten-looking 与原件相符 mark, drawn onto a page image."""
from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

from .render import pil_font

SEAL_RED = (215, 30, 35)
INK = (25, 30, 70)


def seal_image(name: str, diameter: int, rng: random.Random) -> Image.Image:
    """RGBA seal: ring, name on the upper arc, star in the middle, uneven ink."""
    d = diameter
    img = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    dr = ImageDraw.Draw(img)
    w = max(3, d // 45)
    dr.ellipse([w, w, d - w, d - w], outline=SEAL_RED + (255,), width=w)
    c = d / 2
    # star
    r_out, r_in = d * 0.16, d * 0.065
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = r_out if i % 2 == 0 else r_in
        pts.append((c + r * math.cos(a), c + r * math.sin(a)))
    dr.polygon(pts, fill=SEAL_RED + (255,))
    # name on the arc from about 210° to 330° (clockwise through the top)
    chars = list(name)
    n = len(chars)
    span = min(260.0, 18.0 * n)
    size = int(d * min(0.13, 2.6 / max(n, 8)))
    font = pil_font("sans_bold", max(8, size))
    radius = c - w * 2 - size * 0.75
    for i, ch in enumerate(chars):
        ang = -90 - span / 2 + span * (i + 0.5) / n
        a = math.radians(ang)
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), ch, font=font, fill=SEAL_RED + (255,), anchor="mm")
        tile = tile.rotate(-(ang + 90), resample=Image.BICUBIC)
        img.alpha_composite(tile, (int(c + radius * math.cos(a) - size), int(c + radius * math.sin(a) - size)))
    # uneven ink: random speckles of lower opacity
    px = img.load()
    for _ in range(d * d // 12):
        x, y = rng.randrange(d), rng.randrange(d)
        r, g, b, a = px[x, y]
        if a:
            px[x, y] = (r, g, b, int(a * rng.uniform(0.3, 0.8)))
    return img


def stamp(page: Image.Image, name: str, center: tuple[int, int], dpi: int, rng: random.Random) -> None:
    """Multiply-blend the seal (ink over paper: the text under it stays visible)."""
    d = int(42 / 25.4 * dpi)  # 42 mm, a common company seal
    seal = seal_image(name, d, rng).rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
    x, y = center[0] - d // 2, center[1] - d // 2
    region = page.crop((x, y, x + d, y + d)).convert("RGB")
    alpha = seal.getchannel("A").point(lambda a: int(a * 0.85))
    tinted = Image.composite(seal.convert("RGB"), Image.new("RGB", (d, d), (255, 255, 255)), alpha)
    from PIL import ImageChops
    page.paste(ImageChops.multiply(region, tinted), (x, y))


def mark(page: Image.Image, pos: tuple[int, int], dpi: int, rng: random.Random, text: str = "与原件相符") -> None:
    """Handwritten look: each character slightly rotated, resized and offset, in dark ink."""
    size = int(7.5 / 25.4 * dpi)
    x, y = pos
    draw_font = pil_font("serif_bold" if rng.random() < 0.5 else "hei", size)
    for ch in text:
        s = int(size * rng.uniform(0.9, 1.15))
        tile = Image.new("RGBA", (s * 2, s * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((s, s), ch, font=draw_font.font_variant(size=s), fill=INK + (235,), anchor="mm")
        tile = tile.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC)
        page.paste(tile, (x - s // 2, y + int(rng.uniform(-3, 3) * dpi / 100) - s), tile)
        x += int(size * rng.uniform(0.95, 1.1))


def annotate_copy(page: Image.Image, name: str, free_zone_mm, dpi: int, rng: random.Random,
                  seal: bool = True, with_mark: bool = True) -> None:
    """Mark and seal inside the page's free zone (never over a field), the seal's edge
    overlapping the mark and nearby print as on real copies."""
    k = dpi / 25.4
    x0, y0, x1, y1 = free_zone_mm
    mx = int((x0 + rng.uniform(0, 10)) * k)
    my = int((y0 + rng.uniform(14, 22)) * k)
    if with_mark:
        mark(page, (mx, my), dpi, rng)
    if seal:
        # the seal's edge over the mark's last character, as stamped after writing it
        cx = int(min(x1 - 22, x0 + rng.uniform(52, 60)) * k)
        cy = int(min(y1 - 22, y0 + rng.uniform(12, 20)) * k)
        stamp(page, name, (cx, cy), dpi, rng)


def copy_overlay(name: str, free_zone_mm, dpi: int, rng: random.Random) -> Image.Image:
    """Mark and seal on a transparent layer the size of the free zone, for pages that
    are vector PDFs (an e-signed contract) rather than scans."""
    import numpy as np
    x0, y0, x1, y1 = free_zone_mm
    k = dpi / 25.4
    canvas = Image.new("RGB", (int((x1 - x0) * k), int((y1 - y0) * k)), (255, 255, 255))
    annotate_copy(canvas, name, (0, 0, x1 - x0, y1 - y0), dpi, rng)
    a = np.asarray(canvas).astype(np.float32)
    alpha = 255 - a.min(axis=2)
    safe = np.maximum(alpha, 1)[..., None]
    rgb = 255 - (255 - a) * 255 / safe
    out = np.dstack([np.clip(rgb, 0, 255), alpha]).astype(np.uint8)
    return Image.fromarray(out, "RGBA")

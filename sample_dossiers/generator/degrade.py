"""Scanner and phone-camera degradations, each a pure function of the image and a
seeded generator, applied in the order a copier would produce them."""
from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter


def paper(img: Image.Image, tint: tuple[int, int, int]) -> Image.Image:
    """Grey or yellowish paper: multiply white by the tint."""
    from PIL import ImageChops
    return ImageChops.multiply(img.convert("RGB"), Image.new("RGB", img.size, tint))


def skew(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.BICUBIC, expand=False, fillcolor=(250, 250, 248))


def noise(img: Image.Image, sigma: float, rng: random.Random) -> Image.Image:
    """Scanner grain at half resolution: looks the same at reading distance and does not
    blow up the JPEG the way per-pixel noise does."""
    a = np.asarray(img).astype(np.int16)
    h, w = a.shape[:2]
    small = np.random.default_rng(rng.randrange(2**32)).normal(0, sigma, ((h + 1) // 2, (w + 1) // 2))
    g = np.repeat(np.repeat(small.astype(np.float32), 2, axis=0), 2, axis=1)[:h, :w].astype(np.int16)
    a = a + g[..., None] if a.ndim == 3 else a + g
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def blur(img: Image.Image, radius: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


def keep_red(img: Image.Image) -> Image.Image:
    """Greyscale copy, except where the seal's red ink is: copiers of the kind used for
    dossiers are monochrome but seals are stamped after copying."""
    a = np.asarray(img.convert("RGB")).astype(np.int16)
    grey = (a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114).astype(np.int16)
    red = (a[..., 0] - np.maximum(a[..., 1], a[..., 2])) > 90
    out = np.repeat(grey[..., None], 3, axis=2)
    out[red] = a[red]
    return Image.fromarray(out.astype(np.uint8))


def has_colour(img: Image.Image) -> bool:
    a = np.asarray(img.convert("RGB")).astype(np.int16)
    return bool(((a[..., 0] - np.maximum(a[..., 1], a[..., 2])) > 90).any())


def jpeg_bytes(img: Image.Image, quality: int, grey: bool = False) -> bytes:
    buf = io.BytesIO()
    im = img.convert("L") if grey else img.convert("RGB")
    # progressive: 10-15 % smaller for text pages, and what many scanner drivers write
    im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True, subsampling=2 if not grey else 0)
    return buf.getvalue()


def recompress(img: Image.Image, quality: int) -> Image.Image:
    """A JPEG round-trip: block artefacts in the pixels themselves."""
    return Image.open(io.BytesIO(jpeg_bytes(img, quality))).convert("RGB")

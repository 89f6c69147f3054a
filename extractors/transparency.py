"""Images with an alpha channel laid on paper so that their ink stays visible.

Laying every transparent image on white, as viewers do, erases white or light ink drawn
on a transparent background (a stamp or a line of text exported that way): nothing is
left to read. Where the opaque pixels are few (ink on nothing) and light, they are
inverted before being laid on white, so that such ink comes out dark on white like the
ink of every other page; anything else (a photo or scan with transparent corners, dark
ink) is laid on white as it is.
"""
from __future__ import annotations

import numpy as np

OPAQUE = 128  # alpha at or above which a pixel counts as drawn
# Below this share of drawn pixels the drawing is ink on an empty background; above it,
# the opaque part is itself a page (a scan with transparent rounded corners).
INK_SHARE = 0.5
LIGHT = 128  # mean luminance (0..255) of drawn pixels above which the ink is light


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def light_ink(rgb: np.ndarray, alpha: np.ndarray) -> bool:
    """Whether the drawn pixels are sparse light ink (see the module's docstring)."""
    drawn = alpha >= OPAQUE
    share = float(drawn.mean()) if drawn.size else 0.0
    if share == 0.0 or share >= INK_SHARE:
        return False
    return float(luminance(rgb[drawn].astype(np.float64)).mean()) > LIGHT


def flatten(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 colour and H x W alpha (uint8) -> H x W x 3 uint8 on white paper."""
    if alpha.size and int(alpha.min()) == 255:
        return rgb
    colour = rgb.astype(np.float32)
    if light_ink(rgb, alpha):
        colour = 255.0 - colour
    a = alpha.astype(np.float32)[..., None] / 255.0
    out = colour * a + 255.0 * (1.0 - a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def to_8bit(values: np.ndarray) -> np.ndarray:
    """16-bit (or wider) samples scaled to 0..255 by their maximum, not clipped: 12-bit
    scans stored in 16-bit files would otherwise turn black (or white when clipped)."""
    if values.dtype == np.uint8:
        return values
    a = values.astype(np.float64)
    hi = float(a.max()) or 1.0
    return np.clip(a * (255.0 / hi) + 0.5, 0, 255).astype(np.uint8)

"""Where text lines sit relative to each other on a page: the geometry field extraction uses
to tell which value belongs to which label.

Boxes are ``records.BBox`` fractions of the page (x0, y0, x1, y1), origin top-left. A
line's box covers all its characters; where a position inside a line is needed, it is
estimated from the character offset, since the readers give one box per line.
"""
from __future__ import annotations

from extractors.records import BBox


def height(box: BBox) -> float:
    return box[3] - box[1]


def same_row(a: BBox, b: BBox) -> bool:
    """Printed on one row: the boxes share at least half the lower one's height (OCR puts a
    value a pixel above or below its label)."""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap >= 0.5 * min(height(a), height(b))


def right_of(a: BBox, b: BBox, slack: float = 0.005) -> bool:
    """``b`` starts where ``a`` ends or further right."""
    return b[0] >= a[2] - slack


def below(a: BBox, b: BBox, max_gap_lines: float = 1.5) -> bool:
    """``b`` is the next printed line under ``a``: its top is no more than half the thinner
    line's height above ``a``'s bottom (a box inside a tall, skewed line's box is not under
    it), and no more than ``max_gap_lines`` of ``a``'s height of blank paper separates them
    (a value far below a label is another block's text, such as the date under a seal)."""
    return (b[1] >= a[3] - 0.5 * min(height(a), height(b))
            and b[1] - a[3] <= max_gap_lines * height(a))


def char_width(box: BBox, text: str) -> float:
    return (box[2] - box[0]) / max(1, len(text))


def char_x(box: BBox, text: str, offset: int) -> float:
    """Estimated left edge of character ``offset`` of a line."""
    return box[0] + char_width(box, text) * offset

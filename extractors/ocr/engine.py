"""What every OCR engine returns, and the (de)serialisation the disk cache stores."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from extractors.records import TextLine


@dataclass
class OcrResult:
    lines: list[TextLine] = field(default_factory=list)
    rotation: int = 0  # clockwise degrees applied to the input to read it upright
    engine: str = "tesseract"
    seconds: float = 0.0
    error: str | None = None  # ocr_timeout | ocr_failed: <detail> | image_unreadable
    upright_image_path: str | None = None  # set when rotation != 0; bboxes refer to it
    skew: float = 0.0  # degrees of small-angle deskew applied before recognition
    regions: list[tuple[float, float, float, float]] | None = None  # boxes read; None: the whole page
    cached: bool = False

    def to_json(self) -> dict:
        d = asdict(self)
        d["lines"] = [dict(asdict(ln), bbox=list(ln.bbox)) for ln in self.lines]
        d["regions"] = [list(r) for r in self.regions] if self.regions is not None else None
        d.pop("cached")
        return d

    @classmethod
    def from_json(cls, d: dict) -> "OcrResult":
        lines = [TextLine(text=x["text"], bbox=tuple(x["bbox"]), confidence=x["confidence"],
                          engine=x["engine"]) for x in d.get("lines", [])]
        return cls(lines=lines, rotation=d.get("rotation", 0), engine=d.get("engine", ""),
                   seconds=d.get("seconds", 0.0), error=d.get("error"),
                   upright_image_path=d.get("upright_image_path"), skew=d.get("skew", 0.0),
                   regions=[tuple(r) for r in d["regions"]] if d.get("regions") is not None else None)


def clamp_bbox(x0: float, y0: float, x1: float, y1: float, w: float, h: float) -> tuple[float, float, float, float]:
    """Pixel box -> fractions of the page, clipped to 0..1."""
    def c(v: float) -> float:
        return round(min(1.0, max(0.0, v)), 5)

    return (c(x0 / w), c(y0 / h), c(x1 / w), c(y1 / h))

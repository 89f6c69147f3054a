"""When two readings differ only the way OCR errs, a disagreement is not yet evidence.

Tesseract drops or confuses single characters (鑫 read as 秦/春/计, 11 read as 1) and cuts
lines short where a seal or the page edge interferes. Such differences lower a flag to
'look at the original', they never raise one to an accusation.
"""
from __future__ import annotations

from extractors.records import Provenance

EXACT_ENGINES = ("text_layer", "docx")
MIN_TRUNCATED = 4  # a shorter fragment says too little to be compared at all


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one substitution, insertion or deletion)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def is_truncation(short: str, long_: str) -> bool:
    """`short` is `long_` cut off at the end, as an OCR line broken by a seal or margin is."""
    return MIN_TRUNCATED <= len(short) < len(long_) and long_.startswith(short)


def probable_misread(a: str, b: str) -> bool:
    return within_one_edit(a, b) or is_truncation(a, b) or is_truncation(b, a)


def from_ocr(provs: list[Provenance]) -> bool:
    return any(p.engine not in EXACT_ENGINES for p in provs)


def reread_values(p: Provenance) -> list[str]:
    return [str(r["value"]) for r in p.rereads if not r.get("error") and r.get("value")]


def reading_is_solid(p: Provenance, value: str, normalise=lambda s: s, others: tuple[str, ...] = ()) -> bool:
    """A reading a contradiction may rest on: stated exactly (text layer, Word), or an OCR
    reading that a second engine's re-read of the same crop repeats — exactly, or up to one
    slip elsewhere while still differing from every competing value (众奏…贸易有限公司 backs
    众鑫…贸易有限公司 against 众鑫…科技有限公司)."""
    if p.engine in EXACT_ENGINES:
        return True
    for r in map(normalise, reread_values(p)):
        if r == value:
            return True
        if others and within_one_edit(r, value) and not any(within_one_edit(r, o) for o in others):
            return True
    return False


def reading_proof(provs: list[Provenance], value: str, normalise=lambda s: s) -> list[str]:
    """What one stated value rests on: an exact reading of that very value, a reading
    confirmed by a re-read or by a second document stating the same, else a single OCR
    reading (another document's exact reading of another value confirms nothing)."""
    stating = [p for p in provs if normalise(p.value or p.text or "") == value]
    if any(p.engine in EXACT_ENGINES for p in stating):
        return ["exact_reading"]
    if len({(p.file, p.page) for p in stating}) >= 2 or any(reading_is_solid(p, value, normalise) for p in stating):
        return ["confirmed_reading"]
    return ["single_ocr"]

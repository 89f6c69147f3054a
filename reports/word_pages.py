"""Word documents as pages a reviewer can look at: LibreOffice → PDF → page images.

A .docx has no pages of its own, so the record cites its text as "申请表.docx 第1页" with
positions that only rank the lines. For the review page each Word document (.docx, and
legacy .doc/.wps through the .docx they were converted to) is converted to PDF once —
cached by the file's hash, on a copy in a private folder with its own LibreOffice profile,
so the original is never opened and parallel conversions do not share a profile lock —
and its sheets are exported as images beside the other page images. The PDF's text layer
(pdfplumber character boxes) then tells where on which sheet a value stands.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CONVERT_TIMEOUT = 120.0
WORD_KINDS = ("docx", "doc", "wps", "rtf")
RENDER_WIDTH = 1240  # pixels across an A4 sheet: 150 dpi, small print stays legible
JPEG_QUALITY = 80
PROGRESS_POLL = 0.05  # seconds between looks at which files a running conversion has done


@dataclass
class WordRender:
    """One Word document on the review page: its sheets' images (paths relative to the
    dossier's output folder) and characters with boxes, or the note saying why not."""

    images: list[str] = field(default_factory=list)
    chars: list[list[tuple[str, tuple[float, float, float, float]]]] = field(default_factory=list)
    note: str | None = None  # key of review_labels.yaml notes: word_unavailable | word_failed | word_timeout


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# Conversions under way in a background batch (target PDF -> set when that batch is done):
# word_pdf waits for one instead of starting LibreOffice for the same file again.
_pending: dict[Path, threading.Event] = {}
_pending_lock = threading.Lock()


def _target(cache_dir: Path, sha256: str) -> Path:
    return Path(cache_dir) / f"{sha256[:40]}.pdf"


def _cached(target: Path) -> bool:
    return target.is_file() and target.stat().st_size > 0


def _soffice(exe: str, profile: Path, out: Path, sources: list[Path], timeout: float,
             progress: Callable[[], None] | None = None) -> str | None:
    """Run one LibreOffice conversion of `sources` into `out`; the note key on failure.
    `progress` is called every PROGRESS_POLL seconds while it runs."""
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out), *map(str, sources)]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return "word_unavailable"
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            proc.wait()
            return "word_timeout"
        try:
            code = proc.wait(min(left, PROGRESS_POLL) if progress else left)
            break
        except subprocess.TimeoutExpired:
            if progress:
                progress()
    return None if code == 0 else "word_failed"


def word_pdf(source: Path, sha256: str, cache_dir: Path, timeout: float = CONVERT_TIMEOUT) -> tuple[Path | None, str | None]:
    """The PDF LibreOffice makes of a Word file, cached under `cache_dir` by the file's
    hash; (None, note key) when it cannot be made."""
    target = _target(cache_dir, sha256)
    with _pending_lock:
        batch = _pending.get(target)
    if batch is not None:
        batch.wait(timeout)
    if _cached(target):
        return target, None
    exe = soffice_path()
    if exe is None:
        return None, "word_unavailable"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wordpdf_", dir=target.parent) as tmp:
        tmp_path = Path(tmp)
        src = tmp_path / ("input" + (Path(source).suffix.lower() or ".docx"))
        try:
            shutil.copyfile(source, src)
        except OSError:
            return None, "word_failed"
        note = _soffice(exe, tmp_path / "profile", tmp_path / "out", [src], timeout)
        produced = tmp_path / "out" / "input.pdf"
        if note is not None or not produced.is_file() or produced.stat().st_size == 0:
            return None, note or "word_failed"
        os.replace(produced, target)  # same folder: whole or not at all
    return target, None


def word_sources(files: list) -> list[tuple[Path, str]]:
    """(file LibreOffice converts, sha256) of each Word document read among `files`
    (FileReading objects); a legacy .doc/.wps goes through the .docx it was converted to."""
    return [(Path(f.meta.get("converted_path") or f.source_path), f.sha256)
            for f in files if f.kind in WORD_KINDS and f.pages]


def convert_word_files(items: list[tuple[Path, str]], cache_dir: Path, timeout: float = CONVERT_TIMEOUT,
                       finished: Callable[[str], None] | None = None) -> None:
    """Convert every item not yet cached in ONE LibreOffice call: starting LibreOffice and
    making its profile is most of a one-file conversion, so a batch pays it once. A file
    the call did not convert is left to word_pdf, which tries it alone and says why not.
    `finished(sha256)` is told of each file as soon as its turn in the call is over (its PDF
    cached, or none made), not only when the whole call ends."""
    cache_dir = Path(cache_dir)
    todo = {sha: src for src, sha in items if not _cached(_target(cache_dir, sha))}
    exe = soffice_path()
    if not todo or exe is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wordpdf_", dir=cache_dir) as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "in").mkdir()
        sources, order = [], []
        for sha, src in todo.items():
            copy = tmp_path / "in" / (sha[:40] + (Path(src).suffix.lower() or ".docx"))
            try:
                shutil.copyfile(src, copy)
            except OSError:
                continue
            sources.append(copy)
            order.append(sha)
        done: set[str] = set()

        def harvest(ended: bool) -> None:
            # LibreOffice converts the files one after another, in the order given: once a
            # later file's PDF has appeared, every earlier file's turn is over.
            produced = [(tmp_path / "out" / f"{sha[:40]}.pdf").is_file() for sha in order]
            last = max((i for i, made in enumerate(produced) if made), default=-1)
            for i, sha in enumerate(order):
                if sha in done or not (ended or i < last):
                    continue
                done.add(sha)
                out = tmp_path / "out" / f"{sha[:40]}.pdf"
                if produced[i] and out.stat().st_size > 0:
                    os.replace(out, _target(cache_dir, sha))
                if finished:
                    finished(sha)

        if sources:
            _soffice(exe, tmp_path / "profile", tmp_path / "out", sources, timeout + 10 * len(sources),
                     progress=lambda: harvest(False))
        harvest(True)


def start_word_conversion(files: list, cache_dir: Path) -> threading.Thread | None:
    """Convert the Word documents among `files` (FileReading objects, any number of
    dossiers) in one LibreOffice call on a background thread, while other work goes on;
    word_pdf for one of them waits for its own file's turn in this call instead of starting
    its own."""
    items = [(src, sha) for src, sha in word_sources(files) if not _cached(_target(cache_dir, sha))]
    with _pending_lock:
        items = [(src, sha) for src, sha in items if _target(cache_dir, sha) not in _pending]
        if not items:
            return None
        events = {_target(cache_dir, sha): threading.Event() for _, sha in items}
        _pending.update(events)

    def release(target: Path) -> None:
        with _pending_lock:
            if _pending.get(target) is events[target]:
                del _pending[target]
        events[target].set()

    def run():
        try:
            convert_word_files(items, cache_dir, finished=lambda sha: release(_target(cache_dir, sha)))
        except Exception:  # noqa: BLE001 - word_pdf converts each file alone and reports why not
            pass
        finally:
            for target in events:
                release(target)

    thread = threading.Thread(target=run, name="word-to-pdf", daemon=True)
    thread.start()
    return thread


def render_pdf(pdf: Path, dossier_out: Path, stem: str) -> WordRender:
    """Each sheet of `pdf` as pages/<stem>-NN.jpg, with its characters' boxes (fractions)."""
    import pdfplumber
    import pypdfium2 as pdfium

    from extractors.carriers.pdf import _PDFIUM  # PDFium is not thread-safe

    out = WordRender()
    pages_dir = Path(dossier_out) / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    try:
        with _PDFIUM:
            doc = pdfium.PdfDocument(str(pdf))
            try:
                for i in range(len(doc)):
                    page = doc[i]
                    width_pt = page.get_width() or 595.0
                    image = page.render(scale=RENDER_WIDTH / width_pt).to_pil().convert("RGB")
                    rel = f"pages/{stem}-{i + 1:02d}.jpg"
                    image.save(Path(dossier_out) / rel, "JPEG", quality=JPEG_QUALITY, optimize=True)
                    out.images.append(rel)
            finally:
                doc.close()
        with pdfplumber.open(pdf) as plumb:
            for page in plumb.pages:
                w, h = float(page.width), float(page.height)
                out.chars.append([(c["text"], (c["x0"] / w, c["top"] / h, c["x1"] / w, c["bottom"] / h))
                                  for c in page.chars if c.get("text", "").strip()])
    except Exception:  # a PDF LibreOffice wrote but PDFium cannot read: say so, keep the batch going
        return WordRender(note="word_failed")
    return out


def export_word_pages(files: list, dossier_out: Path, cache_dir: Path) -> dict[str, WordRender]:
    """file -> its rendering, for every Word document of the dossier that was read.
    `files` are the record's FileReading objects (kind, sha256, source_path, meta)."""
    renders: dict[str, WordRender] = {}
    for f in files:
        if f.kind not in WORD_KINDS or not f.pages:
            continue
        source = Path(f.meta.get("converted_path") or f.source_path)
        pdf, note = word_pdf(source, f.sha256, cache_dir)
        renders[f.file] = WordRender(note=note) if pdf is None else render_pdf(pdf, dossier_out, f"w{len(renders) + 1:02d}")
    return renders


def _compact(s: str) -> str:
    return "".join(str(s or "").split())


def _spellings(value: str) -> list[str]:
    """The value as extracted, and for an ISO date the ways a form prints it
    ('1986-01' -> '1986年1月', '1986.01', '1986.1', '1986/01')."""
    v = _compact(value)
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", v)
    if not m:
        return [v] if v else []
    y, mo, d = m.groups()
    cn = f"{y}年{int(mo)}月" + (f"{int(d)}日" if d else "")
    sep = [f"{y}{s}{mo}" + (f"{s}{d}" if d else "") for s in ".-/"]
    short = [f"{y}.{int(mo)}" + (f".{int(d)}" if d else "")]
    return list(dict.fromkeys([v, cn, *sep, *short]))


def locate(value: str | None, line: str | None, sheets: list[list[tuple[str, tuple]]]) -> tuple[int, list[float]] | None:
    """(sheet index, bbox) of `value` on the rendered sheets, or None when it is not there
    or stands in several places the source line cannot tell apart (the row whose other
    characters best match the source line wins; a tie boxes nothing rather than a guess)."""
    for spelling in _spellings(value or ""):
        found = _locate(spelling, line, sheets)
        if found:
            return found
    return None


def _locate(target: str, line: str | None, sheets) -> tuple[int, list[float]] | None:
    hits = []
    for si, chars in enumerate(sheets):
        text = "".join(c for c, _ in chars)
        start = text.find(target)
        while start >= 0:
            hits.append((si, start))
            start = text.find(target, start + 1)
    if not hits:
        return None
    if len(hits) > 1:
        context = set(_compact(line)) - set(target)
        scored = sorted(((_row_score(sheets[si], i, len(target), context), si, i) for si, i in hits), reverse=True)
        if not context or scored[0][0] == scored[1][0]:
            return None
        hits = [(scored[0][1], scored[0][2])]
    si, i = hits[0]
    boxes = [b for _, b in sheets[si][i:i + len(target)]]
    return si, [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _row_score(chars, start: int, n: int, context: set[str]) -> int:
    """How many of the source line's other characters stand on the same printed row."""
    top = min(b[1] for _, b in chars[start:start + n])
    bottom = max(b[3] for _, b in chars[start:start + n])
    row = {c for j, (c, b) in enumerate(chars) if not start <= j < start + n and b[1] < bottom and b[3] > top}
    return len(row & context)

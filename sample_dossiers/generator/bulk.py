"""Bulk mode: a large batch of clean dossiers, made cheaply, for scale runs.

Every dossier has its own unit and members (no planted problem, nothing shared between
dossiers: a scale run measures cost, and a batch of look-alikes would measure the reuse
search instead). All pages are text-layer PDFs — no page is drawn as an image, which is
most of the generator's time for a scanned page — and the Word form as usual. Dossiers are
written by a process pool; each one's content depends only on (seed, its number).
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .carriers import DossierWriter, fresh_dirs
from .documents import (achievement_page, bank_page, business_licence_page, certificate_page, contract_pages, id_card_page,
                        report_pages)
from .plants import new_dossier, write_form

VARIANT = "a"


def dossier_id(i: int) -> str:
    return f"B{i + 1:04d}"


def _write_one(args: tuple[Path, Path, int, int, bool]) -> str:
    out, truth, seed, i, forms_only = args
    import random

    did = dossier_id(i)
    # `used` keeps identifiers unique within a dossier; across dossiers the seeded
    # generator makes a repeat of an 18-digit ID or a credit code practically impossible.
    d = new_dossier(did, seed, VARIANT, set(), 3, None)
    d.writer = DossierWriter(out / did, d.unit.name, d.rng)
    st, rng = d.style, d.rng
    write_form(d, "1-设立申请表.docx")
    if forms_only:
        return did
    # One PDF for the rest: loading and subsetting the CJK font is most of a PDF's cost.
    pages, _ = report_pages(d.unit, d.members, st, rng)
    pages += [business_licence_page(d.unit, st, rng), bank_page(d.unit, st, rng, "info")]
    for m in d.members:
        pages += [id_card_page(m, st, random.Random(m.photo_seed)), certificate_page(m, st, rng)]
        pages += contract_pages(d.unit, m, st, rng)
    pages += [achievement_page(d.unit, m, st, rng) for m in d.members[:2]]
    _text_pdf(d.writer, "2-申请材料.pdf", pages)
    d.plants.append("批量样本：无问题，全部为文本层 PDF")
    (truth / did).mkdir(parents=True, exist_ok=True)
    (truth / did / "expected.json").write_text(json.dumps(d.expected(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return did


def _text_pdf(writer: DossierWriter, rel: str, layouts) -> Path:
    """DossierWriter.text_pdf with each seal image drawn once per dossier and reused (the
    same PNG on every copied page): drawing and compressing seals is most of its time."""
    import io

    from .render import FIXED_DATE, add_text_page, new_pdf
    from .seals import copy_overlay, seal_image

    pngs: dict[tuple, bytes] = {}

    def png(key, draw) -> io.BytesIO:
        if key not in pngs:
            buf = io.BytesIO()
            draw().save(buf, "PNG")
            pngs[key] = buf.getvalue()
        return io.BytesIO(pngs[key])

    pdf = new_pdf(producer="Microsoft® Word 2016", creator="Microsoft® Word 2016", when=FIXED_DATE)
    for lay in layouts:
        add_text_page(pdf, lay)
        for spot in lay.seal_spots:
            name = spot[2] if len(spot) > 2 else writer.seal_name
            pdf.image(png(("seal", name), lambda: seal_image(name, 248, writer.rng)), x=spot[0] - 21, y=spot[1] - 21, w=42, h=42)
        if lay.copy and lay.free_zone:
            x0, y0, x1, y1 = lay.free_zone
            pdf.image(png(("copy", lay.free_zone), lambda: copy_overlay(writer.seal_name, lay.free_zone, 150, writer.rng)),
                      x=x0, y=y0, w=x1 - x0, h=y1 - y0)
    path = writer._path(rel)
    pdf.output(str(path))
    writer.truth.add(rel, 1, layouts, ["text_layer"] * len(layouts))
    return path


def generate_bulk(out: Path, seed: int, count: int, truth: Path | None = None, workers: int = 0,
                  forms_only: bool = False, whole: int | None = None) -> list[str]:
    """`forms_only`: each dossier is its Word application form alone (no truth written): a
    batch read without OCR or page images, for quick tests of how the flow is wired.
    `whole`: only the first `whole` dossiers are complete, the rest forms alone (a large
    batch whose generation and OCR stay affordable; say so wherever it is measured)."""
    out, truth = fresh_dirs(out, truth)
    jobs = [(out, truth, seed, i, forms_only or (whole is not None and i >= whole)) for i in range(count)]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return [_write_one(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_write_one, jobs, chunksize=8))

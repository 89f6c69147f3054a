"""The screening steps as plain functions, in the order the flow runs them (no Prefect here:
`flows/screen.py` wires them as tasks; `dossier-screen extract` and the tests call them
directly). Each step lives in the package of its domain; this module only names them:

1. `read_dossier_files`  extractors/ingest.py    files of a dossier -> pages (archives unpacked)
2. `ocr_jobs`, `costliest_first`, `apply_ocr`
                         extractors/ocr_jobs.py  which pages to OCR, largest first; OCR lines onto their page
3. `extract_record`      extractors/dossier.py   classify, extract fields, assemble the record
4. `crosscheck`          extractors/reread.py    second-engine re-reads of suspect readings
5. judging and outputs   flows/outputs.py        (validators/judge.py, reports/)

Imports are resolved on first use, so importing the flow stays cheap.
"""
from __future__ import annotations

import importlib
from datetime import date

_STEPS = {
    "dossier_ids": ("extractors.ingest", "dossier_ids"),
    "read_dossier_files": ("extractors.ingest", "read_dossier"),
    "OcrJob": ("extractors.ocr_jobs", "OcrJob"),
    "ocr_jobs": ("extractors.ocr_jobs", "ocr_jobs"),
    "costliest_first": ("extractors.ocr_jobs", "costliest_first"),
    "apply_ocr": ("extractors.ocr_jobs", "apply_ocr"),
    "extract_record": ("extractors.dossier", "extract_record"),
    "crosscheck": ("extractors.reread", "crosscheck"),
    "crosscheck_identifiers": ("extractors.reread", "crosscheck_identifiers"),
    "crosscheck_dates": ("extractors.reread", "crosscheck_dates"),
    "crosscheck_text_layers": ("extractors.reread", "crosscheck_text_layers"),
    "_adopt_reread": ("extractors.reread", "_adopt_reread"),
    "_name_candidate": ("extractors.reread", "_name_candidate"),
}


def __getattr__(name: str):
    try:
        module, attr = _STEPS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), attr)


def parse_as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()

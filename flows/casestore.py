"""Wiring of the case store into a screening run (store/, validators/flags/crossyear.py,
reports/changes.py): a few calls from the flow, nothing decided here."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from validators.flags import crossyear


@dataclass
class StoreView:
    store: object  # store.Store
    year: int
    prior: crossyear.Prior


def intake_year(settings) -> int:
    return date.fromisoformat(settings.intake_date or settings.as_of).year


def attach(settings, index, records) -> None:
    """Open the store named in the settings and hang what it knows on the batch index."""
    if getattr(settings, "store", None) is None:
        return
    from store import open_store

    st = open_store(settings.store or None)
    year = intake_year(settings)
    index.case_store = StoreView(st, year, st.prior(year, exclude_dossiers=[r.dossier_id for r in records]))


def _current_images(index, dossier_id: str) -> list[crossyear.CurrentImage]:
    return [crossyear.CurrentImage(e.file, e.page, e.doc_type, e.person, e.fp, e.numbers)
            for e in index.images if e.dossier_id == dossier_id]


def _current_cards(index, dossier_id: str) -> list[crossyear.CurrentCard]:
    return [crossyear.CurrentCard(c.file, c.page, c.person, c.address, c.validity, c.exact)
            for c in index.id_cards if c.dossier_id == dossier_id]


def amend(record, index, judgement, ruleset):
    """The judgement with the cross-year flags added (severity settled, recommendation
    made again); unchanged without a store."""
    view = getattr(index, "case_store", None)
    if view is None or not record.documents:
        return judgement
    from validators.forensics.image_hash import PHASH_CANDIDATE
    from validators.judge import recommend
    from validators.severity import settle

    new = crossyear.crossyear_flags(record, _current_images(index, record.dossier_id), view.prior, view.store.hasher,
                                    view.year, PHASH_CANDIDATE, _current_cards(index, record.dossier_id))
    settle(new)
    flags = judgement.flags + new
    crossyear.cite_revocation(record, view.prior, flags, view.year)
    if not new:
        return replace(judgement, flags=flags)
    rec, reason = recommend(judgement.checks, flags, ruleset)
    return replace(judgement, flags=flags, recommendation=rec, recommendation_reason=reason)


def add_changes(result: dict, index) -> None:
    """result["changes"] for a dossier screened before in this intake year with other files."""
    view = getattr(index, "case_store", None)
    if view is None:
        return
    from reports.changes import compare, snapshot

    a = result.get("applicant") or {}
    prev = view.store.previous_round(view.year, a.get("uscc"), result["dossier_id"], result.get("files") or [])
    if prev:
        result["changes"] = compare(prev["snapshot"], snapshot(result, view.store.hasher), previous_round=prev["round"],
                                    this_round=prev["this_round"], previous_screened_at=prev["screened_at"],
                                    previous_dossier_id=prev["dossier_id"])


def _card(c) -> dict:
    return {"card": (c.address, c.validity), "card_exact": c.exact} if c is not None else {}


def record(settings, index, results: dict) -> None:
    """Keep every screened dossier of the batch in the store."""
    view = getattr(index, "case_store", None)
    if view is None:
        return
    from reports.changes import snapshot

    cards = {(c.dossier_id, c.file, c.page): c for c in index.id_cards}
    for did in sorted(results):
        result = results[did]  # read one at a time (flows/result_view.WrittenResults)
        if result.get("error") and not result.get("files"):
            continue  # nothing was read: no round to compare a resubmission with
        images = [{"file": e.file, "page": e.page, "doc_type": e.doc_type, "person": e.person,
                   "phash": str(e.fp.phash), "dhash": str(e.fp.dhash), "numbers": sorted(e.numbers),
                   "image_path": getattr(e.fp, "path", None) or None,
                   **_card(cards.get((did, e.file, e.page)))}
                  for e in index.images if e.dossier_id == did]
        view.store.record_screening(result, view.year, settings.out_dir, images, snapshot(result, view.store.hasher))

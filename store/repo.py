"""Reading and writing the case store. Everything that reaches the database passes through
here; ID and account numbers are turned into keyed hashes and masked forms first."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.orm import Session, selectinload

from extractors.masking import mask_account, mask_id, mask_text
from store import migrate
from store.keys import Hasher, load_key
from store.location import store_url
from store.models import (AccountRow, DecisionRow, DocumentRow, FlagRow, MemberRow, Objection, PageImageRow,
                          RegistryEntry, RegistryMember, Screening)
from store.outcomes import dossier_outcomes
from validators.flags import crossyear as cy

DECISION_FIELDS = ("dossier_id", "stage", "rule", "item", "decision", "opinion", "reviewer", "date", "cell")


def open_store(target=None, key: bytes | None = None) -> "Store":
    """Open (and migrate) the store at `target` (path or URL). The key is needed for every
    use that matches or writes identifiers; MissingKey says why there is none."""
    url = store_url(target)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _fk(dbapi_conn, _):  # noqa: ANN001
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
    migrate.upgrade(engine)
    return Store(engine, Hasher(key if key is not None else load_key()))


def documents_key(files: Iterable[dict]) -> str:
    hashes = sorted(f.get("sha256") or f"{f.get('file')}:?" for f in files)
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


@dataclass
class Store:
    engine: object
    hasher: Hasher

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ screenings
    def record_screening(self, result: dict, year: int, out_dir: str | None, images: list[dict], snapshot: dict) -> int:
        """Keep one screened dossier. A dossier already kept for the year with the same
        files is updated in place (a re-run); other files make a new correction round."""
        a = result.get("applicant") or {}
        uscc = (a.get("uscc") or "").upper() or None
        key = documents_key(result.get("files") or [])
        with self.session() as s, s.begin():
            same = self._rounds(s, year, uscc, result["dossier_id"])
            row = next((r for r in same if r.documents_key == key), None)
            if row is None:
                row = Screening(year=year, dossier_id=result["dossier_id"], round=max((r.round for r in same), default=0) + 1,
                                documents_key=key, snapshot={}, outcome=None)
                s.add(row)
            else:
                for rel in (row.documents, row.pages, row.members, row.accounts, row.flags):
                    rel.clear()
            row.unit_name, row.uscc, row.out_dir = a.get("name"), uscc, out_dir
            row.screened_at, row.as_of = result.get("screened_at") or "", result.get("as_of")
            row.recommendation, row.snapshot = result.get("recommendation"), snapshot
            types: dict[str, set[str]] = {}
            for d in result.get("documents") or []:
                types.setdefault(d.get("file"), set()).add(d.get("type") or "")
            for f in result.get("files") or []:
                row.documents.append(DocumentRow(file=f.get("file"), sha256=f.get("sha256"), kind=f.get("kind"),
                                                 pages=f.get("pages") or 0,
                                                 types=",".join(sorted(t for t in types.get(f.get("file"), ()) if t))))
            for m in result.get("members") or []:
                idn = m.get("id_number")
                prov = ((m.get("provenance") or {}).get("id_number") or [{}])[0]
                from validators.identifiers import ric

                row.members.append(MemberRow(name=m.get("name"), id_hash=self.hasher("id", idn), id_masked=mask_id(idn),
                                             id_valid=bool(idn and ric.is_valid(idn)), level=m.get("level"),
                                             file=prov.get("file"), page=prov.get("page")))
            b = result.get("bank_account") or {}
            acc = b.get("account_number")
            if acc:
                prov = ((b.get("provenance") or {}).get("account_number") or [{}])[0]
                from validators.batch_index import norm_account

                row.accounts.append(AccountRow(account_hash=self.hasher("account", norm_account(acc)),
                                               account_masked=mask_account(acc), account_name=b.get("account_name"),
                                               file=prov.get("file"), page=prov.get("page")))
            for f in result.get("flags") or []:
                row.flags.append(FlagRow(code=f.get("code"), rule=f.get("rule"), severity=f.get("severity"),
                                         subject=mask_text(f.get("subject") or ""), detail=mask_text(f.get("detail") or ""),
                                         evidence=[_evidence(e) for e in f.get("evidence") or []]))
            for im in images:
                row.pages.append(PageImageRow(
                    file=im["file"], page=im["page"], doc_type=im["doc_type"],
                    person_hash=self.hasher("id", im.get("person")), phash=im["phash"], dhash=im.get("dhash"),
                    numbers=sorted(h for h in (self.hasher("number", n) for n in im.get("numbers") or ()) if h),
                    image_path=im.get("image_path"),
                    card_key=self.hasher("card", cy.card_text(*im["card"])) if im.get("card") else None,
                    card_exact=bool(im.get("card_exact"))))
            s.flush()
            return row.id

    def _rounds(self, s: Session, year: int, uscc: str | None, dossier_id: str) -> list[Screening]:
        q = select(Screening).where(Screening.year == year)
        q = q.where(Screening.uscc == uscc) if uscc else q.where(Screening.dossier_id == dossier_id, Screening.uscc.is_(None))
        return list(s.scalars(q.order_by(Screening.round)))

    def previous_round(self, year: int, uscc: str | None, dossier_id: str, files: list[dict]) -> dict | None:
        """The latest earlier screening of this applicant in this intake year with other
        files: {round, screened_at, dossier_id, snapshot}, or None."""
        key = documents_key(files)
        with self.session() as s:
            rounds = [r for r in self._rounds(s, year, (uscc or "").upper() or None, dossier_id)]
            mine = next((r.round for r in rounds if r.documents_key == key), None)
            earlier = [r for r in rounds if r.documents_key != key and (mine is None or r.round < mine)]
            if not earlier:
                return None
            r = earlier[-1]
            return {"round": r.round, "screened_at": r.screened_at, "dossier_id": r.dossier_id, "snapshot": r.snapshot,
                    "this_round": mine or (rounds[-1].round + 1 if rounds else 1)}

    def prior(self, year: int, exclude_dossiers: Iterable[str] = ()) -> cy.Prior:
        """What other screenings (and registry rows) hold, for cross-year flags. The
        dossiers of the batch being screened are left out (their own earlier runs)."""
        skip = set(exclude_dossiers)
        prior = cy.Prior()
        with self.session() as s:
            latest = self._latest_rounds(s)
            for sc in s.scalars(select(Screening).where(Screening.id.in_(latest))
                                .options(selectinload(Screening.members), selectinload(Screening.accounts),
                                         selectinload(Screening.pages))):
                if sc.year == year and sc.dossier_id in skip:
                    continue
                d = cy.PriorDossier(f"screening:{sc.id}", sc.year, sc.dossier_id, sc.unit_name, sc.uscc, sc.outcome)
                if d.recognised_station and sc.uscc:
                    prior.stations.setdefault(sc.uscc.upper(), []).append(d)
                for m in sc.members:
                    if m.id_hash:
                        prior.members.setdefault(m.id_hash, []).append(cy.PriorMember(d, m.name, m.id_masked, m.file, m.page))
                for a in sc.accounts:
                    prior.accounts.setdefault(a.account_hash, []).append(cy.PriorAccount(d, a.account_masked, a.file, a.page))
                for p in sc.pages:
                    prior.images.append(cy.PriorImage(d, p.file, p.page, p.doc_type, p.person_hash, p.phash,
                                                      frozenset(p.numbers or ()), p.image_path, p.card_key, bool(p.card_exact)))
            for e in s.scalars(select(RegistryEntry).options(selectinload(RegistryEntry.members))):
                d = cy.PriorDossier(f"registry:{e.id}", e.year, e.source or "", e.unit_name, e.uscc, None, e.programme)
                if d.recognised_station and e.uscc:
                    prior.stations.setdefault(e.uscc.upper(), []).append(d)
                for m in e.members:
                    prior.members.setdefault(m.id_hash, []).append(cy.PriorMember(d, None, m.id_masked))
        return prior

    def _latest_rounds(self, s: Session) -> list[int]:
        """The id of each applicant-year's latest round (earlier rounds are superseded)."""
        rows = s.execute(select(Screening.id, Screening.year, Screening.uscc, Screening.dossier_id, Screening.round)).all()
        best: dict[tuple, tuple[int, int]] = {}
        for rid, year, uscc, did, rnd in rows:
            k = (year, uscc or f"dossier:{did}")
            if k not in best or rnd > best[k][0]:
                best[k] = (rnd, rid)
        return [rid for _, rid in best.values()]

    # ------------------------------------------------------------------ decisions
    def record_decisions(self, year: int, decisions: list[dict]) -> int:
        """Replace the year's decisions of the dossiers in `decisions` and set each one's
        outcome on its latest screening of that year."""
        ids = {str(d.get("dossier_id")) for d in decisions if d.get("dossier_id")}
        outcomes = dossier_outcomes(decisions)
        with self.session() as s, s.begin():
            if ids:
                s.execute(delete(DecisionRow).where(DecisionRow.year == year, DecisionRow.dossier_id.in_(ids)))
            for d in decisions:
                if not d.get("dossier_id") or not d.get("decision"):
                    continue
                known = {k: (None if d.get(k) is None else str(d.get(k))) for k in DECISION_FIELDS}
                extra = {k: v for k, v in d.items() if k not in DECISION_FIELDS and isinstance(v, (str, int, float, bool, type(None)))}
                s.add(DecisionRow(year=year, extra=extra, **known))
            for did, outcome in outcomes.items():
                for sc in s.scalars(select(Screening).where(Screening.year == year, Screening.dossier_id == did)):
                    sc.outcome = outcome
        return len(decisions)

    def screenings(self, year: int | None = None, outcome: str | None = None) -> list[Screening]:
        with self.session() as s:
            q = select(Screening).where(Screening.id.in_(self._latest_rounds(s)))
            if year is not None:
                q = q.where(Screening.year == year)
            if outcome is not None:
                q = q.where(Screening.outcome == outcome)
            return list(s.scalars(q.order_by(Screening.year, Screening.dossier_id)))

    # ------------------------------------------------------------------ registry
    def import_registry(self, rows, source: str) -> int:
        """Registry rows (validators.registry.RegistryRow) into the store; a row already
        imported (same unit, programme and year) is replaced."""
        from validators.identifiers import ric

        n = 0
        with self.session() as s, s.begin():
            for r in rows:
                old = s.scalars(select(RegistryEntry).where(RegistryEntry.unit_name == r.unit_name,
                                                            RegistryEntry.programme == r.programme,
                                                            RegistryEntry.year == r.year)).all()
                for o in old:
                    s.delete(o)
                e = RegistryEntry(unit_name=r.unit_name, uscc=r.uscc, programme=r.programme, year=r.year,
                                  source=f"{source}第{r.line}行")
                for idn in r.member_id_numbers:
                    e.members.append(RegistryMember(id_hash=self.hasher("id", ric.compact(idn)), id_masked=mask_id(idn)))
                s.add(e)
                n += 1
        return n

    def registry_rows(self) -> list[dict]:
        with self.session() as s:
            out = []
            for e in s.scalars(select(RegistryEntry).options(selectinload(RegistryEntry.members)).order_by(RegistryEntry.year, RegistryEntry.id)):
                out.append({"unit_name": e.unit_name, "uscc": e.uscc, "programme": e.programme, "year": e.year,
                            "members_masked": ";".join(m.id_masked or "" for m in e.members), "source": e.source})
            return out

    # ------------------------------------------------------------------ objections
    def record_objections(self, year: int, rows: list[dict], source: str) -> int:
        with self.session() as s, s.begin():
            s.execute(delete(Objection).where(Objection.year == year, Objection.source == source))
            for r in rows:
                s.add(Objection(year=year, source=source, **r))
        return len(rows)

    def objections(self, year: int) -> list[Objection]:
        with self.session() as s:
            return list(s.scalars(select(Objection).where(Objection.year == year).order_by(Objection.id)))

    # ------------------------------------------------------------------ 第十五条 actions
    def action_items(self) -> list[cy.ActionItem]:
        """Every stored finding of a later screening that cites a recognised station's
        dossier (or a 技师工作站 registry row) as its other side."""
        items = []
        with self.session() as s:
            latest = set(self._latest_rounds(s))
            by_id = {sc.id: sc for sc in s.scalars(select(Screening))}
            reg = {e.id: e for e in s.scalars(select(RegistryEntry))}
            for f in s.scalars(select(FlagRow).order_by(FlagRow.id)):
                later = by_id.get(f.screening_id)
                if later is None or later.id not in latest:
                    continue
                mine = next((e for e in f.evidence if e.get("engine") != "case_store"), {})
                for ref, file, page in cy.station_refs(f.evidence):
                    kind, _, num = ref.partition(":")
                    if kind == "screening" and num.isdigit() and int(num) in by_id:
                        st = by_id[int(num)]
                        if st.outcome != "recognised":
                            continue
                        station = (st.unit_name, st.uscc, st.year, st.dossier_id)
                    elif kind == "registry" and num.isdigit() and int(num) in reg and reg[int(num)].programme == "技师工作站":
                        e = reg[int(num)]
                        station, file, page = (e.unit_name, e.uscc, e.year, e.source or ""), None, None
                    else:
                        continue
                    items.append(cy.ActionItem(*station, code=f.code, severity=f.severity or "", finding=f.detail or "",
                                               later_year=later.year, later_dossier=later.dossier_id,
                                               later_unit=later.unit_name, later_file=mine.get("file"),
                                               later_page=mine.get("page"), station_file=file, station_page=page))
        return items

    def count(self, model) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0


def _evidence(e: dict) -> dict:
    """A flag's evidence record as kept: where it is; a value only as the store's own
    reference to another dossier, or masked."""
    value = e.get("value")
    if e.get("engine") != "case_store":
        value = mask_text(str(value)) if value else None
    return {"file": e.get("file"), "page": e.get("page"), "engine": e.get("engine"), "value": value,
            "doc_type": e.get("doc_type")}


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)

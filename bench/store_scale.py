"""Case-store scale: recording screenings, loading what cross-year checks need, and checking
one dossier against it, for a store of DOSSIERS dossiers a year over YEARS years.

    python -m bench.store_scale --dossiers 300 --years 3 [--store postgresql+psycopg://…]

Synthetic results (random identifiers and page hashes, no images); prints seconds.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from extractors.records import Applicant, BankAccount, DossierRecord, Member
from validators.identifiers import ric


def _id(rnd: random.Random) -> str:
    body = f"440608{rnd.randint(1965, 1995)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}{rnd.randint(100, 999)}"
    return body + ric.calc_check_digit(body)


def _result(rnd: random.Random, did: str, year: int) -> tuple[dict, list[dict]]:
    members = [{"name": f"成员{i}", "id_number": _id(rnd), "level": "技师"} for i in range(5)]
    files = [{"file": f"f{i}.pdf", "sha256": f"{rnd.getrandbits(128):032x}", "pages": 2} for i in range(8)]
    result = {"dossier_id": did, "screened_at": f"{year}-05-20T10:00:00+08:00", "as_of": f"{year}-05-20",
              "applicant": {"name": f"单位{did}", "uscc": f"91440608{rnd.getrandbits(40):010X}"},
              "bank_account": {"account_number": str(rnd.getrandbits(60))}, "members": members, "files": files,
              "documents": [], "flags": [], "recommendation": "proceed"}
    images = [{"file": f"f{i}.pdf", "page": 1, "doc_type": "qualification_certificate" if i % 2 else "id_card",
               "person": members[i % 5]["id_number"], "phash": f"{rnd.getrandbits(64):016x}", "dhash": None,
               "numbers": [str(rnd.getrandbits(30)) for _ in range(4)]} for i in range(10)]
    return result, images


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=300)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--store", default=None, help="path or URL (default: a new SQLite file)")
    args = ap.parse_args()
    os.environ.setdefault("DOSSIER_SCREEN_STORE_KEY", "bench-key-" + "x" * 32)
    from store import open_store
    from validators.flags import crossyear

    target = args.store or str(Path(tempfile.mkdtemp(prefix="store-bench-")) / "store.sqlite")
    rnd = random.Random(7)
    t0 = time.perf_counter()
    st = open_store(target)
    print(f"open + migrate: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    n = 0
    for y in range(args.years):
        for d in range(args.dossiers):
            result, images = _result(rnd, f"Y{y}-{d:04d}", 2024 + y)
            st.record_screening(result, 2024 + y, None, images, {})
            n += 1
    rec = time.perf_counter() - t0
    print(f"record {n} screenings: {rec:.1f} s ({1000 * rec / n:.1f} ms each)")
    t0 = time.perf_counter()
    prior = st.prior(2024 + args.years)
    print(f"load prior ({len(prior.members)} member hashes, {len(prior.images)} page hashes): {time.perf_counter() - t0:.2f} s")
    from validators.forensics.image_hash import PHASH_CANDIDATE

    class _Fp:
        def __init__(self, h):
            self.phash, self.crop_resistant = h, None

    rec = DossierRecord("new", applicant=Applicant(name="新单位", uscc="91440608MA00000000"), bank_account=BankAccount())
    rec.members = [Member(name="x", id_number=_id(rnd)) for _ in range(5)]
    pages = [crossyear.CurrentImage(f"g{i}.pdf", 1, "qualification_certificate", rec.members[i % 5].id_number,
                                    _Fp(f"{rnd.getrandbits(64):016x}")) for i in range(10)]
    t0 = time.perf_counter()
    for _ in range(20):
        crossyear.crossyear_flags(rec, pages, prior, st.hasher, 2024 + args.years, PHASH_CANDIDATE)
    print(f"cross-year check of one dossier (5 members, 10 person pages): {1000 * (time.perf_counter() - t0) / 20:.1f} ms")
    t0 = time.perf_counter()
    items = st.action_items()
    print(f"action items ({len(items)}): {time.perf_counter() - t0:.2f} s")
    st.close()


if __name__ == "__main__":
    main()

"""What a run keeps of each dossier's result once its outputs are written: the fields the
batch summary reads (reports/summary.py, reports/changes.annotate_rows,
flows/outputs.write_batch_outputs). The whole result stays in OUT_DIR/<id>/result.json and
is read back one at a time where it is needed (the case store)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

# Top-level fields kept whole (small); members, checks and flags are cut to what is counted.
_KEPT = ("dossier_id", "as_of", "recommendation", "recommendation_reason", "review_page", "changes", "error")


def summary_view(result: dict) -> dict:
    applicant = result.get("applicant") or {}
    view = {k: result[k] for k in _KEPT if k in result}
    view["applicant"] = {k: applicant.get(k) for k in ("name", "uscc", "address")}
    view["members"] = [{"level": m.get("level"), "id_number": m.get("id_number")} for m in result.get("members", [])]
    view["checks"] = [{"rule": c.get("rule"), "status": c.get("status")} for c in result.get("checks", [])]
    view["flags"] = [{"severity": f.get("severity")} for f in result.get("flags", [])]
    return view


class WrittenResults(Mapping):
    """dossier id -> its whole result, read from OUT_DIR/<id>/result.json when asked for."""

    def __init__(self, out_dir: Path, ids: list[str]):
        self.out_dir, self._ids = Path(out_dir), sorted(ids)

    def __getitem__(self, dossier_id: str) -> dict:
        if dossier_id not in self._ids:
            raise KeyError(dossier_id)
        return json.loads((self.out_dir / dossier_id / "result.json").read_text(encoding="utf-8"))

    def __iter__(self):
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

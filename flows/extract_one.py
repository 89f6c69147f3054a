"""`dossier-screen extract FILE`: one file's pages, lines, document types and fields."""
from __future__ import annotations

from pathlib import Path

from flows import pipeline


def extract_file(path: Path, work_dir: Path, engine: str = "rapidocr") -> dict:
    from extractors.classify import classify_pages
    from extractors.fields import extract_fields
    from extractors.ingest import read_file
    from extractors.names import readable
    from extractors.ocr import ocr_page

    reading = read_file(readable(path.name), path, work_dir)
    for page in reading.pages:
        if page.needs_ocr and page.image_path:
            pipeline.apply_ocr(page, ocr_page(page.image_path, engine=engine, cache_dir=work_dir / "ocr"))
    documents = classify_pages(reading.pages)
    by_no = {p.page: p for p in reading.pages}
    documents = [extract_fields(d, [by_no[n] for n in d.pages if n in by_no]) for d in documents]
    return {
        "file": reading.file,
        "kind": reading.kind,
        "error": reading.error,
        "error_code": reading.error_code,
        "pages": [
            {
                "page": p.page,
                "text_source": p.text_source,
                "rotation": p.rotation,
                "error": p.error,
                "lines": [{"text": l.text, "bbox": list(l.bbox), "confidence": round(l.confidence, 3), "engine": l.engine} for l in p.lines],
            }
            for p in reading.pages
        ],
        "documents": [
            {
                "type": d.type,
                "pages": d.pages,
                "score": round(d.score, 3),
                "fields": {name: [{"value": fv.value, "provenance": fv.prov.to_dict()} for fv in values] for name, values in d.fields.items()},
                "rows": [{k: fv.value for k, fv in row.items()} for row in d.rows],
            }
            for d in documents
        ],
    }


def format_text(data: dict) -> str:
    out = [f"文件：{data['file']}（{data['kind']}）"]
    if data.get("error"):
        out.append(f"错误：{data['error']}")
    for d in data["documents"]:
        out.append(f"\n[{d['type']}] 第 {','.join(map(str, d['pages']))} 页  得分 {d['score']}")
        for name, values in d["fields"].items():
            out.append(f"  {name}: " + " / ".join(v["value"] for v in values))
        for row in d["rows"]:
            out.append("  成员：" + "，".join(f"{k}={v}" for k, v in row.items()))
    return "\n".join(out)

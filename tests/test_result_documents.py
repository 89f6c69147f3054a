"""A submitted file appears once in result.json's documents, with the reason it was not read."""
import io
from pathlib import Path

from PIL import Image

from extractors.ingest import read_dossier
from flows import pipeline
from reports.result_json import _documents


def _half_jpeg(path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (600, 380), "white").save(buf, "JPEG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])


def test_broken_image_listed_once_with_file_reason(tmp_path):
    d = tmp_path / "batch" / "X1"
    d.mkdir(parents=True)
    _half_jpeg(d / "身份证.jpg")
    files = read_dossier(d, tmp_path / "work")
    record = pipeline.extract_record("X1", files)
    docs = [x for x in _documents(record) if x["file"] == "身份证.jpg"]
    assert len(docs) == 1
    file_reason = next(f.error for f in files if f.file == "身份证.jpg")
    assert file_reason and file_reason in docs[0]["error"]


def test_unreadable_file_without_pages_still_listed(tmp_path):
    d = tmp_path / "batch" / "X2"
    d.mkdir(parents=True)
    (d / "营业执照.pdf").write_bytes(b"%PDF-1.7\n this is not a pdf")
    files = read_dossier(d, tmp_path / "work")
    record = pipeline.extract_record("X2", files)
    docs = [x for x in _documents(record) if x["file"] == "营业执照.pdf"]
    assert len(docs) == 1 and docs[0]["error"]

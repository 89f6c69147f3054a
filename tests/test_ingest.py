"""Batches and dossiers: which dossiers exist, which files each holds, zips unpacked safely,
and originals never touched."""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from extractors import names
from extractors.carriers import archive
from extractors.ingest import dossier_id_of, dossier_ids, list_dossiers, open_dossier, read_file
from tests.fixtures.ingest import builders as b


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_list_dossiers_folders_and_zips_only(tmp_path):
    (tmp_path / "B-公司").mkdir()
    (tmp_path / "A-公司").mkdir()
    b.zip_bomb(tmp_path / "C.zip", megabytes=1)
    (tmp_path / "readme.txt").write_text("not a dossier")
    (tmp_path / ".hidden").mkdir()
    assert [p.name for p in list_dossiers(tmp_path)] == ["A-公司", "B-公司", "C.zip"]


def test_folder_dossier_recurses_and_expands_inner_zip(tmp_path):
    src = tmp_path / "batch" / "D1"
    (src / "身份证").mkdir(parents=True)
    (src / "身份证" / "张三.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 20)
    (src / "申请表.docx").write_bytes(b"PK\x03\x04")
    (src / ".DS_Store").write_bytes(b"junk")
    b.zip_with_gbk_names(src / "证书.zip", {"证书/李四.pdf": b"%PDF-1.4 x", "合同.pdf": b"%PDF-1.4 y"})
    before = _hashes(tmp_path / "batch")
    files, errors = open_dossier(src, tmp_path / "work")
    names = [rel for rel, _ in files]
    assert names == ["申请表.docx", "証書.zip/合同.pdf".replace("証書", "证书"), "证书.zip/证书/李四.pdf", "身份证/张三.jpg"]
    assert errors == []
    inner = dict(files)["证书.zip/证书/李四.pdf"]
    assert inner.read_bytes() == b"%PDF-1.4 x"
    assert (tmp_path / "work") in inner.parents  # unpacked into the work folder...
    assert _hashes(tmp_path / "batch") == before  # ...and nothing written beside the originals


def test_gbk_zip_dossier_names_decoded(tmp_path):
    z = b.zip_with_gbk_names(tmp_path / "D2.zip", {"营业执照.pdf": b"%PDF-1.4", "成员/王五身份证.jpg": b"x"})
    raw_names = [i.filename for i in zipfile.ZipFile(z).infolist()]
    assert "营业执照.pdf" not in raw_names  # zipfile alone gets them wrong (cp437)
    files, errors = open_dossier(z, tmp_path / "work")
    assert [rel for rel, _ in files] == ["成员/王五身份证.jpg", "营业执照.pdf"]
    assert not errors


def test_utf8_flag_names_kept(tmp_path):
    z = tmp_path / "D3.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("劳动合同/赵六.pdf", b"%PDF")
    info = zipfile.ZipFile(z).infolist()[0]
    assert info.flag_bits & 0x800
    assert archive.member_name(info) == "劳动合同/赵六.pdf"


def test_unsafe_members_refused_nothing_escapes(tmp_path):
    z = b.zip_unsafe(tmp_path / "evil.zip")
    work = tmp_path / "deep" / "work"
    files, errors = open_dossier(z, work)
    assert [rel for rel, _ in files] == ["ok/合同.txt"]
    refused = {e.file: e for e in errors}
    assert set(refused) == {"../evil.txt", "a/../../evil2.txt", "link.pdf", "/tmp/evil3.txt"}
    assert all(e.error_code == "unsafe_archive" and e.error.startswith("压缩包") for e in errors)
    assert "目录穿越" in refused["../evil.txt"].error and "符号链接" in refused["link.pdf"].error
    assert not (tmp_path / "deep" / "evil.txt").exists()
    assert not (tmp_path / "evil2.txt").exists() and not Path("/tmp/evil3.txt").exists()
    assert not any(p.is_symlink() for p in work.rglob("*"))


def test_zip_bomb_ratio_refused(tmp_path):
    z = b.zip_bomb(tmp_path / "bomb.zip", megabytes=4)
    files, errors = open_dossier(z, tmp_path / "work")
    assert [rel for rel, _ in files] == ["small.txt"]
    assert len(errors) == 1 and errors[0].file == "zeros.pdf" and "压缩炸弹" in errors[0].error
    assert not any(p.name == "zeros.pdf" for p in (tmp_path / "work").rglob("*"))


def test_archive_limits_total_entries_and_depth(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_ENTRIES", 2)
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(3):
            zf.writestr(f"f{i}.pdf", b"%PDF")
    # Entry by entry: the first two are read, the rest listed as refused.
    files, errors = open_dossier(z, tmp_path / "w1")
    assert [rel for rel, _ in files] == ["f0.pdf", "f1.pdf"]
    assert len(errors) == 1 and errors[0].error_code == "unsafe_archive" and "条目数" in errors[0].error
    monkeypatch.setattr(archive, "MAX_ENTRIES", 2000)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 10)  # room for two 4-byte entries
    files, errors = open_dossier(z, tmp_path / "w2")
    assert [rel for rel, _ in files] == ["f0.pdf", "f1.pdf"]
    assert [e.file for e in errors] == ["f2.pdf"] and "总量" in errors[0].error
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1 << 30)
    # zip in zip in zip in zip dossier: the innermost level is refused.
    inner = b"%PDF"
    for level in range(4):
        p = tmp_path / f"lvl{level}.zip"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("doc.pdf" if level == 0 else f"lvl{level - 1}.zip", inner)
        inner = p.read_bytes()
    files, errors = open_dossier(tmp_path / "lvl3.zip", tmp_path / "w3")
    assert files == [] and errors and "嵌套" in errors[0].error


def test_corrupt_zip_dossier_reported(tmp_path):
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK\x03\x04" + b"\x00" * 30)
    files, errors = open_dossier(z, tmp_path / "work")
    assert files == [] and errors[0].error_code == "corrupt"


def test_originals_unchanged_after_reading_everything(tmp_path):
    src = tmp_path / "batch" / "D9"
    src.mkdir(parents=True)
    img = b.text_image(["公民身份号码 " + b.ID_NUMBER], size=24)
    b.text_pdf(src / "licence.pdf", ["营业执照 统一社会信用代码 91440608MA4X1234XY"])
    b.image_pdf(src / "scan.pdf", img)
    b.docx_with_table_and_image(src / "form.docx", img)
    b.jpeg_exif6(src / "id.jpg", img)
    b.zip_with_gbk_names(src / "附件.zip", {"证书.png": b"\x89PNG\r\n\x1a\n" + b"0" * 10})
    before = _hashes(src)
    mtimes = {p: p.stat().st_mtime_ns for p in src.rglob("*")}
    work = tmp_path / "work"
    files, errors = open_dossier(src, work)
    readings = [read_file(rel, path, work, dpi=50) for rel, path in files]
    assert len(readings) == 5 and not errors
    assert [r.file for r in readings if r.error_code] == ["附件.zip/证书.png"]  # truncated PNG
    assert _hashes(src) == before
    assert {p: p.stat().st_mtime_ns for p in src.rglob("*")} == mtimes
    assert sorted(p.name for p in src.iterdir()) == sorted(["licence.pdf", "scan.pdf", "form.docx", "id.jpg", "附件.zip"])


def _gbk(parent: Path, name: str) -> Path:
    """`parent / name` with the name's bytes in GBK, as a Windows zip unpacked without
    converting its names leaves them (Python sees them as surrogate escapes)."""
    return parent / os.fsdecode(name.encode("gbk"))


def test_gbk_names_on_disk_are_decoded_and_their_files_read(tmp_path):
    src = _gbk(tmp_path / "batch", "鑫源五金厂")
    (_gbk(src, "成员材料")).mkdir(parents=True)
    b.text_pdf(_gbk(src, "营业执照.pdf"), ["营业执照 统一社会信用代码 91440608MA4X1234XY"])
    b.text_pdf(_gbk(_gbk(src, "成员材料"), "张三.pdf"), ["职业资格证书 姓名 张三"])
    b.text_pdf(src / os.fsdecode(b"\xff\xfe-scan.pdf"), ["申请报告"])  # neither UTF-8 nor GBK
    before = _hashes(tmp_path / "batch")
    assert dossier_id_of(src) == "鑫源五金厂"
    work = tmp_path / "work"
    files, errors = open_dossier(src, work)
    readings = [read_file(rel, path, work, dpi=50) for rel, path in files]
    assert [r.file for r in readings] == ["\\xff\\xfe-scan.pdf", "成员材料/张三.pdf", "营业执照.pdf"] and not errors
    assert [r.error_code for r in readings] == [None, None, None]  # pikepdf cannot open them by their names
    assert "91440608MA4X1234XY" in " ".join(ln.text for ln in readings[2].pages[0].lines)
    assert all(r.file.encode("utf-8") and r.source_path.encode("utf-8") for r in readings)  # result.json can carry them
    assert _hashes(tmp_path / "batch") == before  # read through links in the work folder, never renamed


def test_member_and_disk_names_decode_alike():
    assert names.decode_name("营业执照.pdf".encode("gbk")) == "营业执照.pdf"
    assert names.decode_name("营业执照.pdf".encode("utf-8")) == "营业执照.pdf"
    assert names.readable("营业执照.pdf") == "营业执照.pdf"
    assert names.readable(os.fsdecode("成员/张三.jpg".encode("gbk"))) == "成员/张三.jpg"
    assert names.readable(os.fsdecode(b"a\xff.pdf")) == "a\\xff.pdf"


def test_dossier_ids_unique_in_the_batch(tmp_path):
    for name in ("D01", "D01副本", "D02"):
        (tmp_path / name).mkdir()
    for name in ("D01.zip", "D02.zip"):
        b.zip_with_gbk_names(tmp_path / name, {"营业执照.pdf": b"%PDF-1.4"})
    sources = list_dossiers(tmp_path)
    assert [p.name for p in sources] == ["D01", "D01.zip", "D01副本", "D02", "D02.zip"]
    assert dossier_ids(sources) == ["D01", "D01.zip", "D01副本", "D02", "D02.zip"]
    assert dossier_ids([tmp_path / "D01", tmp_path / "D01", tmp_path / "D01"]) == ["D01", "D01（2）", "D01（3）"]

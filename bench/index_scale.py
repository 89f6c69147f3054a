"""REUSED_IMAGE's candidate index at batch scale, without OCR.

    python -m bench.index_scale [--dossiers 100,300,1000] [--workers 2] [--cache DIR] [--seed S] [--codes]
                                [--flat] [--text]

Each synthetic dossier holds three page images: its member's ID card copy and skill-level
certificate (person documents, with a portrait) and its unit's business licence, drawn by
bench/reuse_pairs.py's templates for that dossier's own holder and unit, each printed and
scanned on its own (own paper, placement, skew, noise, JPEG): every two dossiers' pages of one
template are same-template look-alikes with different filled-in values. Every REUSE_EVERY-th
dossier files, in place of one of its pages, a reuse of an earlier dossier's scan of that
template (of the scan that dossier filed: where it filed a reuse itself, of the scan it reused); the kinds cycle through bench/reuse_pairs.py's (JPEG, crop with uneven scale,
scaling, turning, grain, and a retouch with this dossier's holder's name and number). Pages
are drawn at --scale of the templates' size (the working width is 800 px either way) and kept
in --cache, so a second run, or a smaller size after a larger one, draws nothing.

With --flat the scanner corrects its shading (the sheet's paper reads one level, as on the
generated sample batch's scans): the shade codes are ties and agree with one another, the
search's crowded codes (candidates.crowded_codes). With --text each page carries the
numbers and character pairs it prints (batch_index.numbers_on_page and words_on_page of its
template's labels and its holder's filled-in values; a retouched copy's with the new
holder's name, number and date), as the pipeline reads them, so pages are also paired, and
filtered, through them.

Per size (the first n dossiers), the batch is indexed and judged with the pipeline's code:
validators.batch_index._fingerprints and image_candidates, then validators.flags.batch.
reused_image_flags for every dossier (candidate pairs aligned, tile-correlated, texture-
tested; picture blocks compared). Printed per size: seconds (index, judging), peak RSS,
candidate page pairs and picture-block pairs, verified (flagged) pairs, recall on the planted
reuses (each miss named, whether the search or the verification lost it, and what they saw:
shade and phash distances against the radii, texture levels, the verdict), false flags on
look-alikes (two reuses of one source scan are one scan, and counted apart); CPU seconds too,
as the wall time on a shared machine counts waits. Drawing time is printed apart. With
--codes, what the radii and texture floors have to separate (code_margins). The last line is

    index_scale: n=N seconds=S pairs=P recall=R

for the largest size, with S the index + judging seconds and P the candidate page pairs.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

REUSE_EVERY = 10
TEMPLATES = (("id_card_copy", "id_card", "id_card.jpg"), ("skill_certificate", "qualification_certificate", "cert.jpg"),
             ("licence", "business_licence", "licence.jpg"))


def plan(n: int, seed: int) -> list[dict]:
    """What each dossier's pages are: (template, doc type, file) and, for a planted reuse,
    the source dossier and the kind."""
    from bench.reuse_pairs import REUSE

    kinds = list(REUSE) + ["retouched"]
    rng = random.Random(seed)
    out = []
    for d in range(n):
        item = {"dossier": f"X{d:04d}", "reuse": None}
        if d >= 5 and d % REUSE_EVERY == 0:
            t = (d // REUSE_EVERY) % len(TEMPLATES)
            source = rng.randrange(d)
            # a source that itself filed a reuse of this template filed no scan of its own:
            # what is copied is the scan it reused
            while out[source]["reuse"] and out[source]["reuse"]["template"] == t:
                source = out[source]["reuse"]["source"]
            item["reuse"] = {"template": t, "source": source, "kind": kinds[(d // REUSE_EVERY) % len(kinds)]}
        out.append(item)
    return out


def _draw(args) -> tuple[int, float]:
    """Draw one dossier's pages into the cache (the scans of a reuse's source are drawn again
    from their seed: every page is a function of its dossier and template alone)."""
    from bench import reuse_pairs as rp

    d, item, scale, seed, folder, flat = args
    t0 = time.perf_counter()
    target = Path(folder) / item["dossier"]
    target.mkdir(parents=True, exist_ok=True)
    for t, (template, _, name) in enumerate(TEMPLATES):
        if (target / name).exists():
            continue
        reuse = item["reuse"]
        if reuse and reuse["template"] == t:
            src = _scan(template, reuse["source"], scale, seed, flat)
            if reuse["kind"] == "retouched":
                sheet, boxes, scan = src
                rng = random.Random(f"{seed}:{d}:{t}:retouch")
                img = rp.retouched(scan, sheet.size, boxes, rp.holder(random.Random(f"{seed}:{d}")), template, rng)
            else:
                img = rp.REUSE[reuse["kind"]](src[2], random.Random(f"{seed}:{d}:{t}:reuse"))
        else:
            img = _scan(template, d, scale, seed, flat)[2]
        tmp = target / (name + ".part")
        img.save(tmp, "JPEG", quality=92)
        os.replace(tmp, target / name)
    return d, time.perf_counter() - t0


def _scan(template: str, d: int, scale: float, seed: int, flat: bool = False):
    """(full-size sheet, data boxes, scan at `scale`) of dossier d's page of a template."""
    from bench import reuse_pairs as rp

    rng = random.Random(f"{seed}:{d}:{template}")
    h = rp.holder(random.Random(f"{seed}:{d}"))
    sheet, boxes = rp.printed(template, h, rng)
    return sheet, boxes, quick_scan(sheet, scale, rng, flat)


def quick_scan(sheet: Image.Image, scale: float, rng: random.Random, flat: bool = False) -> Image.Image:
    """reuse_pairs.scanned's model of a scanner (paper tint, fibre and slow shading of the
    sheet's own, placement, skew, resolution, blur, sensor noise, a monochrome copier half of
    the time, JPEG), done with OpenCV at `scale` of the sheet: a fraction of its cost.
    `flat`: the scanner's shading correction leaves no slow shading (the same draws are made)."""
    import cv2
    import numpy as np

    r = np.random.default_rng(rng.randrange(1 << 32))
    w, h = int(sheet.width * scale), int(sheet.height * scale)
    a = cv2.resize(np.asarray(sheet), (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    tint = np.array([rng.uniform(238, 252), rng.uniform(236, 250), rng.uniform(228, 246)], np.float32) / 255
    fibre = cv2.GaussianBlur(cv2.resize(r.normal(0, 40, (h // 2, w // 2)).astype(np.float32), (w, h),
                                        interpolation=cv2.INTER_CUBIC), (0, 0), 0.8)
    shade = cv2.resize(r.normal(0, 60, (6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    a = a * tint + (fibre * rng.uniform(0.04, 0.1) + shade * (0.0 if flat else 0.05))[..., None]
    res = rng.uniform(0.7, 1.0)
    M = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-0.8, 0.8), res)
    M[:, 2] += (rng.randint(-12, 12) * scale * res, rng.randint(-12, 12) * scale * res)
    M[:, 2] -= ((1 - res) * w / 2, (1 - res) * h / 2)
    size = (int(w * res), int(h * res))
    a = cv2.warpAffine(a, M, size, flags=cv2.INTER_LINEAR, borderValue=(245, 245, 242))
    a = cv2.GaussianBlur(a, (0, 0), rng.uniform(0.3, 0.9))
    a += r.normal(0, rng.uniform(1.0, 3.0), a.shape[:2]).astype(np.float32)[..., None]
    img = np.clip(a, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:  # a monochrome copier keeps only the seal's red
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        i16 = img.astype(np.int16)
        red = (i16[..., 0] - np.maximum(i16[..., 1], i16[..., 2])) > 60
        out = np.repeat(g[..., None], 3, axis=2)
        out[red] = img[red]
        img = out
    from bench.reuse_pairs import jpeg

    return jpeg(Image.fromarray(img), rng.randint(55, 85))


def draw(items: list[dict], scale: float, seed: int, folder: Path, workers: int, flat: bool = False) -> float:
    todo = [(d, it, scale, seed, str(folder), flat) for d, it in enumerate(items)
            if not all((folder / it["dossier"] / name).exists() for _, _, name in TEMPLATES)]
    t0 = time.perf_counter()
    if todo:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_draw, todo, chunksize=4))
    return time.perf_counter() - t0


_WHERE = re.compile(r"申报材料(X\d{4})的(\S+?)第\d+页")


def run(items: list[dict], folder: Path, workers: int) -> dict:
    """Index and judge the dossiers as the pipeline does; the figures of one size."""
    from extractors.records import DossierRecord
    from validators.batch_index import (BatchIndex, ImageEntry, PERSON_DOCUMENTS, _fingerprints, image_candidates, numbers_on_page,
                                        pair_verdicts, words_on_page)
    from validators.flags.batch import reused_image_flags

    t0, c0 = time.perf_counter(), cpu_seconds()
    args = [(str(folder / it["dossier"] / name), False, dtype in PERSON_DOCUMENTS)
            for it in items for _, dtype, name in TEMPLATES]
    fps = _fingerprints(args, workers)
    index = BatchIndex()
    for it in items:
        for t, ((_, dtype, name), a) in enumerate(zip(TEMPLATES, args[len(index.images):len(index.images) + 3])):
            person = f"P{it['dossier']}" if dtype in PERSON_DOCUMENTS else None
            text = page_text(it, t) if TEXT else ""
            index.images.append(ImageEntry(it["dossier"], name, 1, dtype, person, fps[a], numbers_on_page(text),
                                           words_on_page(text)))
    t_fp = time.perf_counter() - t0
    index.image_partners, index.region_near = image_candidates(index.images)
    t_index = time.perf_counter() - t0
    index.pair_verdicts = pair_verdicts(index.images, index.image_partners, workers)
    t_pairs = time.perf_counter() - t0
    page_pairs = sum(len(v) for v in index.image_partners.values()) // 2
    block_pairs = sum(len(v) for v in index.region_near.values())
    flagged: dict[frozenset, list[str]] = {}
    for it in items:
        for f in reused_image_flags(DossierRecord(dossier_id=it["dossier"]), index):
            m = _WHERE.search(f.detail)
            if m:
                pair = frozenset({(it["dossier"], f.evidence[0].file), (m.group(1), m.group(2))})
                flagged.setdefault(pair, []).append(f.severity)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    # picture-block pairs that passed the cheap tests and were aligned (ECC)
    blocks_aligned = sum(1 for v in index.__dict__.get("_region_cache", {}).values() if v[1])
    planted, root = {}, {}
    for it in items:
        r = it["reuse"]
        if r:
            _, _, name = TEMPLATES[r["template"]]
            src = (f"X{r['source']:04d}", name)
            planted[frozenset({(it["dossier"], name), src})] = r["kind"]
            root[(it["dossier"], name)] = root.get(src, src)
    # two reuses of one scan are one scan too: flagging them is right, not a false flag
    same_scan = lambda p: len({root.get(x, x) for x in p}) == 1  # noqa: E731
    position = {(e.dossier_id, e.file): i for i, e in enumerate(index.images)}
    found = [p for p in planted if p in flagged]
    missed = []
    for p in planted:
        if p not in flagged:
            i, j = (position[x] for x in p)
            where = "not a candidate" if j not in index.image_partners.get(i, []) else "candidate, not verified"
            missed.append(f"{planted[p]}:{'/'.join(sorted(d for d, _ in p))} ({where}; {why_missed(index, i, j)})")
    false = [p for p in flagged if not same_scan(p)]
    return {"n": len(items), "pages": len(args), "fingerprint_s": t_fp, "index_s": t_index, "pairs_s": t_pairs, "seconds": seconds, "cpu": cpu,
            "page_pairs": page_pairs, "block_pairs": block_pairs, "blocks_aligned": blocks_aligned, "verified": len(flagged), "planted": len(planted),
            "found": len(found), "high": sum("high" in flagged[p] for p in found), "missed": sorted(missed), "false": len(false),
            "copies_of_one_scan": sum(1 for p in flagged if p not in planted and same_scan(p)),
            "false_pairs": [sorted(p) for p in false][:5],
            "codes": code_margins(index, planted, root) if CODES else None}


CODES = False  # --codes: code_margins for each size
TEXT = False  # --text: each page's printed text (page_text)
SEED = 17

# what each template prints (bench/reuse_pairs.py): its labels and its holder's values, and
# the values a retouch replaces (reuse_pairs.retouched: the name, the number, the date)
_PRINTS = {"id_card_copy": ("姓名", "name", "性别男民族汉出生", "birth", "住址", "address", "公民身份号码", "id",
                            "中华人民共和国居民身份证签发机关佛山市公安局高明分局有效期限", "valid"),
           "skill_certificate": ("职业技能等级证书姓名", "name", "证件号码", "id", "职业名称数控车工职业技能等级二级技师证书编号",
                                 "cert", "发证日期", "date"),
           "licence": ("营业执照统一社会信用代码", "uscc", "名称", "unit", "类型有限责任公司自然人投资或控股法定代表人", "name",
                       "注册资本人民币伍佰万元成立日期", "date", "营业期限长期住所", "address", "登记机关")}
_RETOUCHED = ("name", "id", "date", "birth")


def page_text(item: dict, t: int) -> str:
    """What dossier `item`'s page of template t prints, as the pipeline reads it: a reuse's
    source holder's values, a retouch's with the name, number and date of the dossier's own
    holder."""
    from bench import reuse_pairs as rp

    template = TEMPLATES[t][0]
    d = int(item["dossier"][1:])
    reuse = item["reuse"] if item["reuse"] and item["reuse"]["template"] == t else None
    h = rp.holder(random.Random(f"{SEED}:{reuse['source'] if reuse else d}"))
    if reuse and reuse["kind"] == "retouched":
        own = rp.holder(random.Random(f"{SEED}:{d}"))
        h = {**h, **{k: own[k] for k in _RETOUCHED}}
    return "\n".join(h.get(k, k) for k in _PRINTS[template])


def code_margins(index, planted: dict, root: dict) -> list[str]:
    """What the search's radii and the texture floors have to separate, measured on the
    batch: per document type, each planted kind's largest shade and phash distance to its
    source, the shade distances of every two different sheets (look-alikes), and the lowest
    texture levels of clean pages and of planted copies; then the texture test of the aligned
    pairs whose weaker texture is below image_hash.NOISE_FLOOR_MIN."""
    import numpy as np

    from validators.forensics import candidates, image_hash

    out = []
    position = {(e.dossier_id, e.file): i for i, e in enumerate(index.images)}
    copy_of = {}
    for p, kind in planted.items():
        for x in p:
            if x in root:
                copy_of[x] = kind
    for group in sorted({e.doc_type for e in index.images}):
        members = [i for i, e in enumerate(index.images) if e.doc_type == group and e.fp.shade is not None]
        if len(members) < 2:
            continue
        bits = np.unpackbits(candidates.shade_codes([index.images[i].fp.shade for i in members]), axis=1)
        phash = np.unpackbits(np.stack([candidates.hash_code(index.images[i].fp.phash) for i in members]), axis=1)
        scan = [root.get(k, k) for k in ((index.images[i].dossier_id, index.images[i].file) for i in members)]
        at = {i: n for n, i in enumerate(members)}
        kinds: dict[str, list] = {}
        for p, kind in planted.items():
            i, j = (position[x] for x in p)
            if i in at and j in at and index.images[i].doc_type == group:
                kinds.setdefault(kind, []).append((int((bits[at[i]] ^ bits[at[j]]).sum()), int((phash[at[i]] ^ phash[at[j]]).sum())))
        look = np.concatenate([(bits[n + 1:] ^ bits[n]).sum(1)[[scan[m] != scan[n] for m in range(n + 1, len(members))]]
                               for n in range(len(members) - 1)])
        radius = candidates.THRESHOLDS["shade_radius"]
        out.append(f"codes {group}: look-alikes shade min {look.min()}, 0.1% {np.percentile(look, 0.1):.0f}, "
                   f"1% {np.percentile(look, 1):.0f}, median {np.median(look):.0f}; within shade_radius {radius}: "
                   f"{int((look <= radius).sum())} of {look.size}")
        for kind, d in sorted(kinds.items()):
            out.append(f"codes {group}: planted {kind}: shade max {max(x for x, _ in d)} (radius {radius}), "
                       f"phash max {max(y for _, y in d)} (radius {candidates.THRESHOLDS['textured_phash_radius']}), n={len(d)}")
        clean = [e.fp.texture for e in index.images if e.doc_type == group and (e.dossier_id, e.file) not in copy_of]
        copies = [e.fp.texture for e in index.images if e.doc_type == group and (e.dossier_id, e.file) in copy_of]
        out.append(f"codes {group}: texture level, clean pages min {min(clean):.2f} (1% {np.percentile(clean, 1):.2f}), "
                   f"planted copies min {min(copies) if copies else float('nan'):.2f}; floor texture_min {candidates.THRESHOLDS['texture_min']}")
    weak: dict[str, list] = {"planted": [], "look-alike": []}
    for key, (_, info) in index.pair_verdicts.items():
        level = info.get("noise_level")
        if not level or min(level) >= image_hash.NOISE_FLOOR_MIN:
            continue
        pair = frozenset((d, f) for d, f, _ in key)
        one = len({root.get(x, x) for x in pair}) == 1
        response = info.get("noise_response", info.get("noise_weak_response"))
        if response is not None:
            weak["planted" if one else "look-alike"].append(response)
    for side, responses in weak.items():
        out.append(f"codes weak texture (a page below {image_hash.NOISE_FLOOR_MIN}): {side} pairs measured {len(responses)}"
                   + (f", responses {min(responses):.3f}-{max(responses):.3f}, a shared peak (>= {image_hash.NOISE_SAME}) "
                      f"{sum(r >= image_hash.NOISE_SAME for r in responses)}" if responses else ""))
    return out


def why_missed(index, i: int, j: int) -> str:
    """What the search and the verification saw of a planted pair that did not flag: its
    shade-code distance (as the search codes the pages of its type) against the radius, its
    phash distance, both pages' texture levels, and the verdict where it was aligned."""
    from validators.batch_index import pair_key
    from validators.forensics import candidates

    a, b = index.images[i], index.images[j]
    out = [f"phash {candidates.hamming(candidates.hash_code(a.fp.phash), candidates.hash_code(b.fp.phash))}"
           f"/{candidates.THRESHOLDS['textured_phash_radius']}", f"texture {a.fp.texture:.2f}/{b.fp.texture:.2f}"]
    if a.fp.shade is not None and b.fp.shade is not None:
        textured = [k for k, e in enumerate(index.images) if e.doc_type == a.doc_type and e.fp.shade is not None]
        codes = candidates.shade_codes([index.images[k].fp.shade for k in textured])
        out.insert(0, f"shade {candidates.hamming(codes[textured.index(i)], codes[textured.index(j)])}"
                      f"/{candidates.THRESHOLDS['shade_radius']}")
    verdict = index.pair_verdicts.get(pair_key(a, b))
    if verdict:
        info = verdict[1]
        out.append(f"verdict {info.get('verdict')} (noise level {info.get('noise_level')}, response {info.get('noise_response')})")
    return ", ".join(out)


def cpu_seconds() -> float:
    """This process's CPU time, all threads: what the figures cost on a machine shared with
    other work, where the wall time also counts the waits."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dossiers", default="100,300,1000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--scale", type=float, default=0.8, help="of the templates' drawing size")
    ap.add_argument("--cache", help="page images are kept here (default: a folder in the temp dir)")
    ap.add_argument("--codes", action="store_true", help="print what the radii and texture floors separate (code_margins)")
    ap.add_argument("--flat", action="store_true", help="scans without slow shading (a scanner's shading correction)")
    ap.add_argument("--text", action="store_true", help="each page carries the numbers and words it prints, as OCR reads them")
    args = ap.parse_args(argv)
    global CODES, TEXT, SEED
    CODES, TEXT, SEED = args.codes, args.text, args.seed
    sizes = sorted(int(s) for s in args.dossiers.split(","))
    folder = Path(args.cache or Path(tempfile.gettempdir()) / f"index_scale_{args.seed}_{args.scale}{'_flat' if args.flat else ''}")
    folder.mkdir(parents=True, exist_ok=True)
    items = plan(max(sizes), args.seed)
    drawn = draw(items, args.scale, args.seed, folder, args.workers, args.flat)
    print(f"drawing: {max(sizes)} dossiers x {len(TEMPLATES)} pages in {drawn:.1f} s (cached in {folder})", flush=True)
    last = None
    for n in sizes:
        r = run(items[:n], folder, args.workers)
        recall = r["found"] / r["planted"] if r["planted"] else 1.0
        print(f"n={n:5d} pages={r['pages']:5d} seconds={r['seconds']:.1f} cpu_seconds={r['cpu']:.1f} (fingerprints {r['fingerprint_s']:.1f}, "
              f"search {r['index_s'] - r['fingerprint_s']:.2f}, page pairs aligned {r['pairs_s'] - r['index_s']:.1f}, "
              f"judging {r['seconds'] - r['pairs_s']:.1f}) "
              f"peak_rss={peak_rss_mb():.0f}MB page_pairs={r['page_pairs']} (all pairs {3 * n * (n - 1) // 2}) "
              f"block_pairs={r['block_pairs']} (aligned {r['blocks_aligned']}) verified={r['verified']} "
              f"recall={r['found']}/{r['planted']} (high {r['high']}) false_flags={r['false']} "
              f"(two reuses of one scan flagged: {r['copies_of_one_scan']})", flush=True)
        if r["missed"]:
            print("  missed:", ", ".join(r["missed"]))
        if r["false"]:
            print("  false:", r["false_pairs"])
        for line in r["codes"] or []:
            print("  " + line)
        last = (n, r["seconds"], r["page_pairs"], recall)
    n, s, p, rec = last
    print(f"index_scale: n={n} seconds={s:.1f} pairs={p} recall={rec:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""REUSED_IMAGE's candidate search (validators/forensics/candidates.py, issue #17 item 1)."""
import random

import cv2
import numpy as np
import pytest

from extractors.records import DossierRecord
from validators.batch_index import BatchIndex, ImageEntry, image_candidates
from validators.flags.batch import reused_image_flags
from validators.forensics import candidates, image_hash


def _smooth(rng, shape, amplitude, knots=6):
    return cv2.resize(rng.normal(0, amplitude, (knots, knots)).astype(np.float32), shape[::-1], interpolation=cv2.INTER_CUBIC)


def _cells_of(page: np.ndarray) -> np.ndarray:
    """shade_cells of a synthetic grey page (its own working width)."""
    return candidates.shade_cells(np.clip(page, 0, 255).astype(np.uint8))


def _synthetic_batch(n, seed, planted_every=10):
    """n scanned pages of one template (a dark card and a band printed on every page, each
    sheet's own slow shading and noise) and, every `planted_every`-th, a copy of an earlier
    page re-saved a little lighter or darker, with new noise: (page codes, planted pairs).
    Small pages: the cells read the same fractions of any page."""
    rng = np.random.default_rng(seed)
    h, w = 283, 200
    template = np.full((h, w), 244, np.float32)
    template[30:130, 38:162] = 232  # a grey card
    template[175:190, :] = 200  # a printed band
    pages, planted = [], set()
    for i in range(n):
        if i and i % planted_every == 0:
            src = int(rng.integers(0, i))
            page = pages[src] * rng.uniform(0.98, 1.02) + rng.uniform(-8, 8) + rng.normal(0, 1.5, (h, w))
            planted.add((src, i))
        else:
            page = template + _smooth(rng, (h, w), 3.0) + rng.normal(0, 2, (h, w))
        pages.append(page.astype(np.float32))
    phash = np.zeros(8, np.uint8)  # one layout: the whole-page hash cannot tell them apart
    return [candidates.PageCode("id_card", phash, _cells_of(p)) for p in pages], planted


def test_candidate_pairs_grow_far_slower_than_all_pairs():
    small, planted_small = _synthetic_batch(60, seed=1)
    large, planted_large = _synthetic_batch(240, seed=2)
    pairs_small = set(candidates.page_pairs(small, image_hash.PHASH_CANDIDATE))
    pairs_large = set(candidates.page_pairs(large, image_hash.PHASH_CANDIDATE))
    assert planted_small <= pairs_small and planted_large <= pairs_large  # every copy is a candidate
    # four times the pages, sixteen times the pairs of one template: the search finds the
    # copies and few of the look-alikes
    all_large = 240 * 239 // 2
    assert len(pairs_large) - len(planted_large) < 0.01 * all_large, len(pairs_large)
    assert len(pairs_large) < 8 * max(len(pairs_small), 1), (len(pairs_small), len(pairs_large))


def test_pages_without_texture_are_paired_by_phash_alone():
    rng = random.Random(3)
    base = np.packbits(np.array([rng.random() < 0.5 for _ in range(64)]))
    near = base.copy()
    near[0] ^= 0b00000111  # 3 bits
    far = np.bitwise_not(base)
    pages = [candidates.PageCode("licence", base, None), candidates.PageCode("licence", near, None),
             candidates.PageCode("licence", far, None), candidates.PageCode("id_card", base, None)]
    assert candidates.page_pairs(pages, image_hash.PHASH_CANDIDATE) == [(0, 1)]  # never across types


def _portrait(seed):
    rng = np.random.default_rng(seed)
    w, h = image_hash.REGION_SIZE
    crop = 128 + _smooth(rng, (h, w), 40.0, knots=8)
    return cv2.GaussianBlur(np.clip(crop, 20, 235).astype(np.float32), (0, 0), 1.0)


def _fp(seed, regions):
    rng = np.random.default_rng(seed)
    gray = rng.integers(0, 255, (64, 64), dtype=np.uint8)
    from PIL import Image
    import imagehash

    im = Image.fromarray(gray)
    return image_hash.PageFingerprint(imagehash.phash(im), imagehash.dhash(im), gray, np.zeros((0, 2), np.float32), None,
                                      regions=[((10, 10, 96, 160), r) for r in regions])


def test_the_portrait_route_runs_above_three_hundred_person_pages():
    """The picture-block route was switched off above 300 person pages; with the index it runs
    on any batch: a portrait pasted onto one other person's card is found, and artwork on
    several people's cards is not taken for it."""
    n = 330
    artwork = _portrait(10_000)
    images = []
    for i in range(n):
        regions = [_portrait(i)]
        if i % 60 == 5:
            regions.append(artwork + np.random.default_rng(i).normal(0, 0.3, artwork.shape).astype(np.float32))
        if i == 301:  # another person's card carrying dossier D0007's portrait, re-saved
            regions = [_portrait(7) * 1.01 + np.random.default_rng(1).normal(0, 0.5, artwork.shape).astype(np.float32)]
        images.append(ImageEntry(f"D{i:04d}", "id.jpg", 1, "id_card", f"P{i}", _fp(i, regions)))
    index = BatchIndex(images=images)
    index.image_partners, index.region_near = image_candidates(images)
    assert sum(len(v) for v in index.region_near.values()) < n * candidates.THRESHOLDS["region_neighbours"]
    flags = reused_image_flags(DossierRecord(dossier_id="D0301"), index)
    assert len(flags) == 1 and flags[0].severity == "medium" and "D0007" in flags[0].detail, flags
    for i in range(5, n, 60):  # the shared artwork: on several people's cards, no flag
        assert reused_image_flags(DossierRecord(dossier_id=f"D{i:04d}"), index) == []


@pytest.fixture(scope="module")
def licence_pages(tmp_path_factory):
    """Six dossiers' business licences, each drawn for its own unit and scanned on its own,
    and two of them replaced by reuses of another's scan."""
    pytest.importorskip("PIL.ImageFont")
    from bench import index_scale as ix
    from bench.reuse_pairs import REUSE

    folder = tmp_path_factory.mktemp("licences")
    paths = []
    for d in range(6):
        scan = ix._scan("licence", d, 0.7, 5)[2]
        paths.append(folder / f"L{d}.jpg")
        scan.save(paths[-1], quality=92)
    source = ix._scan("licence", 1, 0.7, 5)[2]
    REUSE["jpeg40"](source, random.Random(1)).save(paths[4], quality=92)
    REUSE["crop3-4%+jpeg50+uneven_scale"](ix._scan("licence", 2, 0.7, 5)[2], random.Random(2)).save(paths[5], quality=92)
    return paths, {frozenset({"L1", "L4"}), frozenset({"L2", "L5"})}


def _flagged(index):
    out = {}
    for d in sorted({e.dossier_id for e in index.images}):
        for f in reused_image_flags(DossierRecord(dossier_id=d), index):
            other = next(e.dossier_id for e in index.images if f"申报材料{e.dossier_id}的" in f.detail)
            out[frozenset({d, other})] = f.severity
    return out


def test_the_candidates_find_what_all_pairs_found_and_look_alikes_do_not_flag(licence_pages):
    paths, planted = licence_pages
    fps = [image_hash.fingerprint.uncached(str(p)) for p in paths]
    images = [ImageEntry(p.stem, "licence.jpg", 1, "business_licence", None, fp) for p, fp in zip(paths, fps)]
    every = BatchIndex(images=images)  # no search: every pair of one type is compared
    searched = BatchIndex(images=images)
    searched.image_partners, searched.region_near = image_candidates(images)
    by_all, by_search = _flagged(every), _flagged(searched)
    assert set(by_all) == planted and set(by_search) == planted, (by_all, by_search)
    assert all(s == "high" for s in by_search.values())
    assert sum(len(v) for v in searched.image_partners.values()) // 2 < len(images) * (len(images) - 1) // 2


def _brute_force_plain_pairs(pages, radius, min_shared, phash_alone=None):
    """What the search must return for pages without texture: every pair of one type within
    the phash radius whose distinctive numbers (those on at most common_number_pages pages of
    the type) do not contradict one image; a page with none only in `phash_alone` types."""
    seen = {}
    for p in pages:
        for x in p.numbers:
            seen[(p.group, x)] = seen.get((p.group, x), 0) + 1
    own = [frozenset(x for x in p.numbers if seen[(p.group, x)] <= candidates.THRESHOLDS["common_number_pages"])
           for p in pages]
    out = set()
    for i in range(len(pages)):
        for j in range(i + 1, len(pages)):
            a, b = pages[i], pages[j]
            if a.group != b.group or candidates.hamming(a.phash, b.phash) > radius:
                continue
            if own[i] and own[j]:
                if len(own[i] & own[j]) / min(len(own[i]), len(own[j])) < min_shared:
                    continue
            elif phash_alone is not None and a.group not in phash_alone:
                continue
            out.add((i, j))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pages_without_texture_are_paired_through_their_numbers_not_all_pairs(seed):
    """Exported pages of one template (one layout hash) holding different people's numbers:
    the search returns exactly the pairs that would be aligned, and far fewer than all pairs;
    a page that prints too few numbers to tell is still paired by phash."""
    rng = random.Random(seed)
    layout = np.packbits(np.array([rng.random() < 0.5 for _ in range(64)]))
    years = [str(y) for y in range(2019, 2026)]

    def own_numbers():
        # an ID or credit code, a certificate or registration number, an issue year
        return frozenset({f"{rng.randrange(10 ** 17):017d}", f"S{rng.randrange(10 ** 12)}"[1:], rng.choice(years)}
                         | ({f"{rng.randrange(10 ** 6):06d}"} if rng.random() < 0.5 else set()))

    pages, copies = [], set()
    for i in range(400):
        ph = layout.copy()
        ph[rng.randrange(8)] ^= 1 << rng.randrange(8)
        group = "business_licence" if i % 5 else "qualification_certificate"
        if i >= 10 and i % 37 == 0:  # an exported page filed again, its numbers read again
            src = rng.randrange(i)
            numbers = set(pages[src].numbers)
            numbers.discard(next(iter(numbers)))  # one number misread
            pages.append(candidates.PageCode(pages[src].group, ph, None, frozenset(numbers) | {"0000"}))
            copies.add((src, i))
        elif i % 53 == 7:  # nothing read
            pages.append(candidates.PageCode(group, ph, None, frozenset({rng.choice(years)})))
        else:
            pages.append(candidates.PageCode(group, ph, None, own_numbers()))
    found = set(candidates.page_pairs(pages, image_hash.PHASH_CANDIDATE, 0.5))
    expected = _brute_force_plain_pairs(pages, image_hash.PHASH_CANDIDATE, 0.5)
    assert found == expected
    assert copies <= found
    # where only person documents pair a page without distinctive numbers by phash, a unit
    # page that prints none (nothing read, or only the years every page prints) pairs with no
    # page, and the copies are still found through their numbers
    alone = ("qualification_certificate",)
    found = set(candidates.page_pairs(pages, image_hash.PHASH_CANDIDATE, 0.5, alone))
    assert found == _brute_force_plain_pairs(pages, image_hash.PHASH_CANDIDATE, 0.5, alone)
    told_copies = {(src, i) for src, i in copies if len(pages[src].numbers) >= 2 or pages[src].group in alone}
    assert told_copies and told_copies <= found
    mute = [i for i, p in enumerate(pages) if p.group == "business_licence" and len(p.numbers) == 1]
    assert mute and not any(i in pair for pair in found for i in mute)
    told = {p for p in found if all(len(pages[k].numbers) >= 2 for k in p)}
    assert len(told) < 0.01 * 400 * 399 / 2, len(told)


def test_sharing_numbers_matches_every_pair_compared():
    rng = random.Random(7)
    pool = [str(1000 + k) for k in range(40)]
    sets = [frozenset(rng.sample(pool, rng.randint(0, 6))) for _ in range(150)]
    for share in (0.5, 0.75, 1.0):
        brute = {(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets))
                 if len(sets[i]) >= 2 and len(sets[j]) >= 2
                 and len(sets[i] & sets[j]) / min(len(sets[i]), len(sets[j])) >= share}
        assert candidates.sharing_numbers(sets, share) == brute


def test_light_fingerprints_measure_each_pair_once_and_find_the_same_reuses(licence_pages, monkeypatch):
    """The batch's fingerprints hold neither working image nor ORB features (they are read
    again for the pages aligned), the candidate pairs are measured once in the index, and
    judging the dossiers measures nothing more: the same reuses flag as with full
    fingerprints compared pair by pair."""
    from validators import batch_index

    paths, planted = licence_pages
    fps = batch_index._fingerprints([(str(p), False, False) for p in paths], workers=2)
    light = [fps[(str(p), False, False)] for p in paths]
    assert all(fp.gray is None and fp.keypoints is None for fp in light)
    images = [ImageEntry(p.stem, "licence.jpg", 1, "business_licence", None, fp) for p, fp in zip(paths, light)]
    index = BatchIndex(images=images)
    index.image_partners, index.region_near = image_candidates(images)
    index.pair_verdicts = batch_index.pair_verdicts(images, index.image_partners, workers=2)
    assert {frozenset(d for d, _, _ in key) for key in index.pair_verdicts} >= planted  # measured in the index
    calls = []
    monkeypatch.setattr(image_hash, "near_duplicate", lambda *a, **k: calls.append(a) or (False, {}))
    flagged = _flagged(index)
    assert calls == [] and set(flagged) == planted and all(s == "high" for s in flagged.values())
    full = [image_hash.fingerprint.uncached(str(p)) for p in paths]
    monkeypatch.undo()
    for key, (same, info) in index.pair_verdicts.items():
        i, j = (next(n for n, p in enumerate(paths) if p.stem == d) for (d, _, _) in key)
        again = image_hash.near_duplicate(full[i], full[j], selected=True)
        assert again[0] == same and again[1].get("verdict") == info.get("verdict")


def test_a_page_file_rewritten_after_fingerprinting_is_not_compared(licence_pages, tmp_path):
    """A fingerprint without its working image reads it again from the page file: a file
    that no longer gives the same image is no evidence (no verdict), not another page's."""
    import shutil

    paths, _ = licence_pages
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    shutil.copy(paths[1], a)
    shutil.copy(paths[4], b)  # a reuse of paths[1]
    fa = image_hash.without_pixels(image_hash.fingerprint.uncached(str(a), features=False))
    fb = image_hash.without_pixels(image_hash.fingerprint.uncached(str(b), features=False))
    assert image_hash.near_duplicate(fa, fb, selected=True)[1].get("verdict") == "same_scan"
    shutil.copy(paths[0], b)  # rewritten with another page
    image_hash._GRAY_CACHE.clear()
    image_hash._FEATURE_CACHE.clear()
    same, info = image_hash.near_duplicate(fa, fb, selected=True)
    assert not same and "verdict" not in info and info["min_tile_correlation"] == -1.0


def test_a_large_page_keeps_its_working_image_packed(tmp_path):
    """A 300 dpi page is costly to read again: its working image stays in the fingerprint,
    compressed, and comes back unchanged."""
    rng = np.random.default_rng(4)
    page = np.full((2200, 1700), 245, np.uint8)
    page[200:260, 150:1500] = 30
    page = np.clip(page + rng.normal(0, 2, page.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "large.png"
    cv2.imwrite(str(path), page)
    full = image_hash.fingerprint.uncached(str(path), features=False)
    light = image_hash.without_pixels(full)
    assert light.gray is None and light.packed is not None and len(light.packed) < full.gray.nbytes
    path.unlink()  # no file needed
    image_hash._GRAY_CACHE.clear()
    assert np.array_equal(image_hash.with_pixels(light).gray, full.gray)


def _turned(page: np.ndarray, degrees: float, fill: int) -> np.ndarray:
    """The page turned on a canvas grown to hold it, its corners filled with one colour (what
    an image editor's rotate does)."""
    h, w = page.shape
    M = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    c, s = abs(M[0, 0]), abs(M[0, 1])
    size = (int(w * c + h * s), int(h * c + w * s))
    M[:, 2] += ((size[0] - w) / 2, (size[1] - h) / 2)
    return cv2.warpAffine(page, M, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def _scanned_pages(seed, n=20):
    """n small scans of one template (a grey card and a band printed on every page; each
    sheet's own slow shading and noise), uint8."""
    rng = np.random.default_rng(seed)
    h, w = 283, 200
    template = np.full((h, w), 226, np.float32)
    template[30:130, 38:162] = 214
    template[175:190, :] = 190
    return [np.clip(template + _smooth(rng, (h, w), 3.0) + rng.normal(0, 2, (h, w)), 0, 255).astype(np.uint8)
            for _ in range(n)]


def test_a_scan_turned_on_a_white_canvas_is_still_paired_with_its_source(monkeypatch):
    """A reused scan turned by a degree or two: the canvas corners the editor fills (brighter
    than the paper) set the paper level of the outer cells when read as paper, and the
    copy's shade code drifts beyond the radius. Read where the page shows paper
    (candidates.fill_mask), every copy is paired with its source, and no two sheets are."""
    angles = (1.0, 1.5, 2.0, -2.0)

    def search():
        """(seed, degrees) -> the candidate pairs of 20 scans and a turned copy of the 4th."""
        out = {}
        for seed in (1, 2, 3):
            pages = _scanned_pages(seed)
            cells = [candidates.shade_cells(p) for p in pages]
            for degrees in angles:
                codes = [candidates.PageCode("qualification_certificate", np.zeros(8, np.uint8), c)
                         for c in cells + [candidates.shade_cells(_turned(pages[3], degrees, 255))]]
                out[seed, degrees] = set(candidates.page_pairs(codes, image_hash.PHASH_CANDIDATE))
        return out

    copy = len(_scanned_pages(1))  # the copy's position in each batch
    found = search()
    assert all(pairs == {(3, copy)} for pairs in found.values()), found  # the copy, and no look-alike
    # the same pages with the fill read as paper (the search before fill_mask)
    monkeypatch.setattr(candidates, "fill_mask", lambda gray: np.zeros(gray.shape, bool))
    missed = [case for case, pairs in search().items() if (3, copy) not in pairs]
    assert missed, "the fill did not move any copy's code beyond the radius: the test shows nothing"


@pytest.fixture(scope="module")
def recompressed_licences(tmp_path_factory):
    """A licence scan, a copy of it cropped 3-4 %, scaled unevenly and re-saved at JPEG
    quality 50 (bench/reuse_pairs.py's kind; little of the scan's texture left), and another
    unit's printing of the template re-saved as hard."""
    from bench import index_scale as ix
    from bench.reuse_pairs import REUSE, jpeg

    folder = tmp_path_factory.mktemp("recompressed")
    source = ix._scan("licence", 1, 0.7, 16)[2]
    copy = REUSE["crop3-4%+jpeg50+uneven_scale"](source, random.Random(16))
    other = jpeg(ix._scan("licence", 2, 0.7, 8)[2], 35)
    paths = {}
    for name, img in (("S", source), ("C", copy), ("O", other)):
        paths[name] = folder / f"{name}.jpg"
        img.save(paths[name], quality=92)
    return paths


def test_a_hard_recompressed_crop_is_proved_one_scan_by_its_weak_texture(recompressed_licences, monkeypatch):
    """The copy's texture level lies between the candidate search's texture floor and
    NOISE_FLOOR_MIN: too weak to show two sheets apart, and before, the pair was judged on
    content alone, where the crop's resampling and JPEG differ (no flag). Its texture
    still peaks where the source's does: one scan, high. The other unit's printing, as weak,
    shows no peak and is not flagged."""
    fps = {k: image_hash.fingerprint.uncached(str(p)) for k, p in recompressed_licences.items()}
    for k in "CO":  # the weak textures this is about (as the verification measures them)
        level = min(image_hash.near_duplicate(fps["S"], fps[k], selected=True)[1]["noise_level"])
        assert candidates.THRESHOLDS["texture_min"] <= level < image_hash.NOISE_FLOOR_MIN, (k, level)
    images = [ImageEntry(f"D{k}", "licence.jpg", 1, "business_licence", None, fps[k]) for k in "SCO"]

    def flagged():
        index = BatchIndex(images=images)
        index.image_partners, index.region_near = image_candidates(images)
        return _flagged(index)

    assert flagged() == {frozenset({"DS", "DC"}): "high"}
    _, info = image_hash.near_duplicate(fps["S"], fps["C"], selected=True)
    assert info["noise_response"] >= image_hash.NOISE_SAME
    # the texture floor of the verification before: the weak texture was not read
    monkeypatch.setattr(image_hash, "_texture_floor", lambda: image_hash.NOISE_FLOOR_MIN)
    assert flagged() == {}


def test_flat_paper_pages_are_paired_within_their_dossier_and_through_their_numbers_not_with_every_page():
    """Scans whose paper shows no shading (a scanner's shading correction; the generated
    sample batch's scans): their shade codes are ties and agree with one another whoever
    printed the page, which made the search pair every two such pages of a type. Such a
    page's code is crowded: the page is paired with its own dossier's pages and through its
    numbers, and a shaded scan's copy among them is still found by its code."""
    rng = np.random.default_rng(5)
    h, w = 283, 200
    template = np.full((h, w), 244, np.float32)
    template[20:260:12, 20:180] = 60  # a clause page: lines of text
    flat = lambda: template + rng.normal(0, 2, (h, w))  # noqa: E731
    shaded = lambda: template + _smooth(rng, (h, w), 3.0) + rng.normal(0, 2, (h, w))  # noqa: E731
    phash = np.zeros(8, np.uint8)  # one layout
    pages, owners, numbers = [], [], []
    for d in range(12):  # twelve dossiers, two flat clause pages each (two members' contracts)
        for _ in range(2):
            pages.append(flat())
            owners.append(f"D{d:02d}")
            numbers.append(frozenset())
    for d in range(12, 20):  # eight dossiers scanning with shading
        pages.append(shaded())
        owners.append(f"D{d:02d}")
        numbers.append(frozenset())
    shaded_source = len(pages) - 1
    pages.append(pages[shaded_source] * 0.99 + rng.normal(0, 1.5, (h, w)))  # a shaded scan filed again
    owners.append("D20")
    numbers.append(frozenset())
    # a flat first page stating its holder's numbers, and the same image filed by another dossier
    first = flat()
    first[40:60, 30:170] = 40
    pages += [first, first + rng.normal(0, 1.0, (h, w))]
    owners += ["D00", "D21"]
    numbers += [frozenset({"440608199001011234", "20230101"})] * 2
    cells = [_cells_of(p) for p in pages]
    codes = [candidates.PageCode("labour_contract", phash, c, n, o) for c, n, o in zip(cells, numbers, owners)]

    crowded = candidates.crowded_codes(candidates.shade_codes(cells))
    assert crowded[:24].all() and not crowded[24:33].any(), crowded
    found = set(candidates.page_pairs(codes, image_hash.PHASH_CANDIDATE, 0.5, ("id_card",)))
    assert (shaded_source, shaded_source + 1) in found  # the shaded copy
    assert (33, 34) in found  # the flat copy, through its numbers
    same_dossier = {(2 * d, 2 * d + 1) for d in range(12)}
    assert same_dossier <= found
    flat_pages = set(range(24)) | {33, 34}
    across = {(a, b) for a, b in found if a in flat_pages and b in flat_pages and owners[a] != owners[b]}
    assert across == {(33, 34)}, sorted(across)
    # the flat pages' codes agree with one another: searched by them, every two would pair
    flat_codes = candidates.shade_codes(cells)[:24]
    close = sum(candidates.hamming(flat_codes[a], flat_codes[b]) <= candidates.THRESHOLDS["shade_radius"]
                for a in range(24) for b in range(a + 1, 24))
    assert close > 0.5 * 24 * 23 / 2, close



def test_flat_licences_that_print_no_distinctive_number_are_paired_through_their_words():
    """A licence's digit runs are the district's and the year, which many licences print: on
    flat paper (crowded codes) it is paired with the licences that share most of its
    distinctive character pairs (its name, address, business scope), a copy retouched with
    another unit's name and code among them; a contract's clause page, all template words,
    with none."""
    rng = np.random.default_rng(9)
    h, w = 283, 200
    template = np.full((h, w), 244, np.float32)
    template[20:260:12, 20:180] = 60
    text_rng = random.Random(9)
    hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    labels = "营业执照统一社会信用代码名称类型有限责任公司法定代表人注册资本成立日期营业期限长期住所经营范围登记机关"
    from validators.batch_index import words_on_page

    def words(text):
        return frozenset(words_on_page(text).tolist())

    pages, licences = [], []
    for d in range(30):
        own = "".join(text_rng.choice(hanzi) for _ in range(60))  # name, address, business scope
        licences.append(own)
        cells = _cells_of(template + rng.normal(0, 2, (h, w)))
        pages.append(candidates.PageCode("business_licence", np.zeros(8, np.uint8), cells,
                                         frozenset({"91440608", str(2010 + d % 3)}), f"D{d:02d}", words(labels + own)))
    copy = len(pages)  # D00's licence filed by D30
    pages.append(candidates.PageCode("business_licence", np.zeros(8, np.uint8), _cells_of(template + rng.normal(0, 2, (h, w))),
                                     pages[0].numbers, "D30", pages[0].words))
    retouched = len(pages)  # D01's licence with another name and code typed over its first 12 characters
    other = "".join(text_rng.choice(hanzi) for _ in range(12)) + licences[1][12:]
    pages.append(candidates.PageCode("business_licence", np.zeros(8, np.uint8), _cells_of(template + rng.normal(0, 2, (h, w))),
                                     frozenset({"91440608", "2011"}), "D31", words(labels + other)))
    assert candidates.crowded_codes(candidates.shade_codes([p.shade for p in pages])).all()
    found = set(candidates.page_pairs(pages, image_hash.PHASH_CANDIDATE, 0.5, ("id_card",)))
    assert found == {(0, copy), (1, retouched)}, sorted(found)
    # clause pages: the template's words and a misreading or two each
    clauses = "第一条甲乙双方根据劳动合同法订立本合同第二条合同期限第三条工作内容和工作地点第四条工作时间和休息休假"
    contract = [candidates.PageCode("labour_contract", np.zeros(8, np.uint8), p.shade, frozenset(), p.owner,
                                    words(clauses + text_rng.choice(hanzi))) for p in pages]
    assert candidates.page_pairs(contract, image_hash.PHASH_CANDIDATE, 0.5, ("id_card",)) == []


def test_a_credit_code_is_one_of_the_numbers_a_page_prints():
    from validators.batch_index import numbers_on_page

    got = numbers_on_page("统一社会信用代码 91440608MA4UJ6XX2K\n成立日期 2017年04月08日")
    assert got == {"91440608MA4UJ6XX2K", "91440608", "2017"}
    assert numbers_on_page("公民身份号码 440608199001011234") == {"440608199001011234"}

"""Which page pairs and picture blocks of a batch are worth aligning (REUSED_IMAGE).

The pixel route (image_hash.near_duplicate) aligns two pages by ORB features and compares
them tile by tile and texture by texture: tens of milliseconds a pair. Trying every pair of
pages of one document type grows with the square of the batch, and the whole-page hash cannot
narrow it: two printings of one template for different holders are as close in phash as a
re-saved copy (their layout is the page). So pairs are looked up in Hamming indexes (faiss,
exact binary search) over codes that a reuse keeps and a second printing does not:

- the **shade code** of a scanned page (shade_code): the slow brightness field of its blank
  paper — lamp, lid and paper shading. It is the paper's and the scan's, so two printings
  scanned on their own have independent fields, while a reused scan keeps it through
  re-saving, scaling, cropping by a few per cent, turning by a degree or two, added grain,
  and through a retouch that paints the holder's data over in the paper's colour. Each cell of
  a 9 x 9 grid is the paper level (a high percentile of the blurred page, which ignores the
  print), read where the page shows paper: the flat fill an editor leaves in the corners of
  a copy it turned (or on a canvas it padded) is not paper, and, brighter than the paper, it
  would set the level of every outer cell it reaches (fill_mask). The median field of the
  batch's pages of that type (what the template prints) is taken away, and the code is the
  sign of each step between neighbouring cells (horizontal and vertical: 128 bits), so a
  change of brightness, contrast or gamma keeps it. Two scanned
  pages are a candidate pair when their shade codes are within `shade_radius` and their
  phash within `textured_phash_radius` (which covers crops beyond image_hash.PHASH_CANDIDATE).
  A code with `shade_crowd` or more others of its type within the radius is crowded
  (crowded_codes): flat paper, whose cells all read one level, gives every page the same
  ties whoever printed it. A crowded page's code is asked for only among the uncrowded
  pages' codes; the page is otherwise paired through its distinctive numbers as a page
  without texture is (below), or, printing none, through its distinctive character pairs
  (a licence's name and address, not a clause page's template text), and with the pages
  its own dossier filed. So an uncrowded page has fewer than `shade_crowd` shade partners,
  and a crowded page none but uncrowded ones: the shade pairs grow with the batch, not
  with its square.
- a page without scan texture (exported from a document: its texture level, see
  image_hash.texture_level, is below `texture_min`) has no shade, and is paired by phash
  within image_hash.PHASH_CANDIDATE (such a pair can only be one image if nothing differs,
  and a copy scaled down may have lost its texture) with the pages of its type that print
  the same distinctive numbers (sharing_numbers: an inverted index on the page's printed
  numbers less those most pages of its type print, so the pairs tried grow with the copies,
  not with the square of the batch). Only a person's document that prints no distinctive
  number (nothing read) is paired with every page of its type; a unit's page that prints
  none is template text and is not paired (page_pairs).
- a picture block (a portrait; image_hash.pictorial_regions) is coded by the phash of its
  normalised crop; its `region_neighbours` nearest blocks within `region_radius` are the
  blocks it is compared with (image_hash.same_region). A block of template artwork has many
  close neighbours; checking the nearest is enough to see it on two other people's pages.

The radii and the texture floor are in validators/data/candidates.yaml. They were chosen
from the distances printed by `python -m bench.reuse_pairs --codes` (code
distances of every reused copy to its source, and of every two holders' printings of one
template, per template and reuse kind) and, at batch scale, by `python -m bench.index_scale
--codes`: each radius lies above the largest distance of a reused copy, and the shade radius
below nearly all distances of two printings (the few two printings within it are aligned
and told apart by their texture). The candidate counts and the recall at batch scale are
printed by `python -m bench.index_scale`.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import cv2
import faiss
import numpy as np
import yaml

THRESHOLDS: dict = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "candidates.yaml").read_text(encoding="utf-8"))

SHADE_GRID = 9
_SHADE_STEP = 4  # the page is reduced this much before the cells are read: the shading is slow
_SHADE_BLUR = 2.0
_CELL_PAPER_MIN = 0.1  # of a cell: with less paper left, the cell is read whole


def fill_mask(gray: np.ndarray) -> np.ndarray:
    """Where a working-width grey page (uint8) shows no paper: the region of one exact grey
    level reaching a corner, as a copy turned on a canvas (its corners filled), padded or
    pasted leaves. A scan's paper carries noise, so no such region grows on it beyond a few
    pixels; a flat fill is the editor's colour, usually brighter than the paper, and would
    otherwise set the paper level of every cell it covers. Widened by the shade blur's reach
    (2 sigma), which mixes the fill into the paper beside it."""
    h, w = gray.shape
    mask = np.zeros((h + 2, w + 2), np.uint8)
    work = np.ascontiguousarray(gray)
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if not mask[y + 1, x + 1]:
            cv2.floodFill(work, mask, (x, y), 0, 0, 0, 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    reach = 2 * int(np.ceil(2 * _SHADE_BLUR)) + 1
    return cv2.dilate(mask[1:-1, 1:-1], np.ones((reach, reach), np.uint8)) > 0


def shade_cells(gray: np.ndarray) -> np.ndarray:
    """The paper level of each cell of a SHADE_GRID x SHADE_GRID grid over a working-width
    grey page (uint8; float32 cells), read where the page shows paper (fill_mask)."""
    h, w = gray.shape
    size = (max(SHADE_GRID, w // _SHADE_STEP), max(SHADE_GRID, h // _SHADE_STEP))
    small = cv2.resize(cv2.GaussianBlur(gray, (0, 0), _SHADE_BLUR), size, interpolation=cv2.INTER_AREA).astype(np.float32)
    fill = fill_mask(gray.astype(np.uint8))
    paper = cv2.resize(fill.view(np.uint8) * np.uint8(255), size, interpolation=cv2.INTER_AREA) == 0
    sh, sw = small.shape
    ys = np.linspace(0, sh, SHADE_GRID + 1).astype(int)
    xs = np.linspace(0, sw, SHADE_GRID + 1).astype(int)
    # every cell's paper pixels in one padded array (NaN beyond them), read at once
    kept = np.full((SHADE_GRID, SHADE_GRID, np.diff(ys).max() * np.diff(xs).max()), np.nan, np.float32)
    for i in range(SHADE_GRID):
        for j in range(SHADE_GRID):
            cell = small[ys[i]:ys[i + 1], xs[j]:xs[j + 1]].ravel()
            keep = cell[paper[ys[i]:ys[i + 1], xs[j]:xs[j + 1]].ravel()]
            if keep.size < _CELL_PAPER_MIN * cell.size:
                keep = cell
            kept[i, j, :keep.size] = keep
    # the 90th percentile (numpy's linear rule) of each cell: NaN sorts last
    ordered = np.sort(kept, axis=2)
    at = 0.9 * (np.count_nonzero(~np.isnan(kept), axis=2) - 1)
    lo = np.floor(at).astype(int)
    below = np.take_along_axis(ordered, lo[..., None], 2)[..., 0]
    above = np.take_along_axis(ordered, np.ceil(at).astype(int)[..., None], 2)[..., 0]
    return (below + (at - lo) * (above - below)).astype(np.float32)


def shade_codes(cells: list[np.ndarray]) -> np.ndarray:
    """128-bit shade codes (16 bytes a row) of pages of one document type. From
    `shade_template_min` pages on, the pages' median field is taken away first: what the
    template prints (a grey card, a dark band) darkens the same cells on every page and would
    otherwise set the same bits."""
    c = np.stack(cells)
    if len(c) >= THRESHOLDS["shade_template_min"]:
        # from fewer pages the median is close to the pages themselves, and what remains of
        # a page and its copy is noise
        c = c - np.median(c, axis=0)
    g = SHADE_GRID - 1
    across = c[:, :g, 1:] > c[:, :g, :-1]
    down = c[:, 1:, :g] > c[:, :-1, :g]
    return np.packbits(np.concatenate([across.reshape(len(c), -1), down.reshape(len(c), -1)], axis=1), axis=1)


def hash_code(h) -> np.ndarray:
    """An imagehash.ImageHash as packed bytes (faiss' binary vectors)."""
    return np.packbits(np.asarray(h.hash, dtype=bool).ravel())


def region_code(crop: np.ndarray) -> np.ndarray:
    """64-bit code of a picture block's normalised crop (image_hash.REGION_SIZE, float)."""
    import imagehash
    from PIL import Image

    return hash_code(imagehash.phash(Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8))))


def hamming(x: np.ndarray, y: np.ndarray) -> int:
    return int(np.unpackbits(np.bitwise_xor(x, y)).sum())


@dataclass(frozen=True)
class PageCode:
    """What the page search knows of one page."""
    group: str  # pages of different groups (document types) are never paired
    phash: np.ndarray  # 8 bytes
    shade: np.ndarray | None  # shade_cells; None: no scan texture
    numbers: frozenset = frozenset()  # numbers printed on the page (batch_index.numbers_on_page)
    owner: str | None = None  # the dossier that filed it (None: not known)
    words: frozenset | None = None  # the page's character pairs (batch_index.words_on_page); None: none read


def _within(codes: np.ndarray, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query row, code row, distance) of every code within `radius` bits of a query."""
    index = faiss.IndexBinaryFlat(codes.shape[1] * 8)
    index.add(np.ascontiguousarray(codes))
    # faiss returns distances strictly below the radius it is given
    lims, dist, found = index.range_search(np.ascontiguousarray(queries), radius + 1)
    rows = np.repeat(np.arange(len(queries)), np.diff(lims).astype(np.int64))
    return rows, found.astype(np.int64), dist.astype(np.int64)


def sharing_numbers(numbers: list[frozenset], min_shared: float, min_size: int = 2) -> set[tuple[int, int]]:
    """Pairs (i < j) of sets of `min_size`+ numbers that share at least `min_shared` of the smaller
    set, found without trying every pair (prefix filtering, as in set-similarity joins):
    numbers are ordered rarest first, and a set shares enough with a larger one only if one
    of its first len - need + 1 numbers is among the other's. Common numbers (a year
    printed on every page) thus come up only for pages that print little else."""
    frequency: dict[str, int] = {}
    for s in numbers:
        for x in s:
            frequency[x] = frequency.get(x, 0) + 1
    postings: dict[str, list[int]] = {}
    for i, s in enumerate(numbers):
        for x in s:
            postings.setdefault(x, []).append(i)
    out: set[tuple[int, int]] = set()
    for i, s in enumerate(numbers):
        if len(s) < min_size:
            continue
        need = int(np.ceil(min_shared * len(s) - 1e-9))
        prefix = sorted(s, key=lambda x: (frequency[x], x))[:len(s) - need + 1]
        seen: set[int] = set()
        for x in prefix:
            for j in postings[x]:
                if j == i or j in seen or len(numbers[j]) < len(s) or (len(numbers[j]) == len(s) and j < i):
                    continue  # the smaller set (or, of two equal, the first) asks
                seen.add(j)
                if len(s & numbers[j]) >= need:
                    out.add((min(i, j), max(i, j)))
    return out


def page_pairs(pages: list[PageCode], phash_radius: int, min_shared: float = 0.5,
               phash_alone: Collection[str] | None = None, min_words: int = 40) -> list[tuple[int, int]]:
    """Candidate pairs (i < j) of `pages`: scanned pages by shade and phash; a page without
    texture (exported: nothing of a scan to keep) by phash within `phash_radius`
    (image_hash.PHASH_CANDIDATE) and only with pages that share `min_shared` of its
    distinctive numbers (an unedited image prints the same numbers: pairs that do not are
    never aligned, batch_index.worth_aligning), looked up by sharing_numbers rather than
    among every page of its type. A number printed on more than `common_number_pages` pages
    of the type (a year, the district's digits of a credit code) tells no page from another
    and is left out.

    A page without texture that prints no distinctive number is paired by phash with every
    page of its type only in the groups `phash_alone` names (None: all), the person
    documents, where it means the identifiers were not read. A unit's page without one (a
    contract's clauses) is the template's own text, the same in every dossier by design,
    which no pixel match can tell from a reuse: it is not paired.

    A scanned page whose shade code is crowded (crowded_codes: flat paper) is paired through
    its distinctive numbers as a page without texture is, up to the textured phash radius
    (a scan's copy may be cropped); with no distinctive number, through its distinctive
    words (_sharing_words: a licence's name, address and business scope are its own, a
    clause page's words the template's); with the pages its own dossier filed; and with the
    uncrowded pages whose codes are near its own. `min_words`: fewer character pairs read
    are too little text to tell."""
    out: set[tuple[int, int]] = set()
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(pages):
        groups.setdefault(p.group, []).append(i)
    for group, members in groups.items():
        if len(members) < 2:
            continue
        ph = np.stack([pages[i].phash for i in members])
        textured = [k for k, i in enumerate(members) if pages[i].shade is not None]
        crowded: list[int] = []
        if len(textured) >= 2:
            shades = shade_codes([pages[members[k]].shade for k in textured])
            crowd = crowded_codes(shades)
            telling = [n for n in range(len(textured)) if not crowd[n]]
            crowded = [textured[n] for n in range(len(textured)) if crowd[n]]
            # a crowded page is still asked for among the telling pages' codes (a copy of a
            # scan may sit in a crowd its source is not in), never among the crowd's own
            for queries in (telling, [n for n in range(len(textured)) if crowd[n]]):
                if not telling or not queries:
                    continue
                rows, found, _ = _within(shades[telling], shades[queries], THRESHOLDS["shade_radius"])
                for r, f in zip(rows, found):
                    a, b = textured[queries[r]], textured[telling[f]]
                    if a != b and hamming(ph[a], ph[b]) <= THRESHOLDS["textured_phash_radius"]:
                        out.add(_ordered(members, a, b))
            out.update(_same_owner_pairs(pages, members, crowded, ph))
        numbers = distinctive_numbers([pages[i].numbers for i in members])
        crowded_set = set(crowded)

        def radius(scanned: bool) -> int:
            # a crowded page is a scan: its copy may be cropped beyond PHASH_CANDIDATE
            return THRESHOLDS["textured_phash_radius"] if scanned else phash_radius

        plain = [k for k, i in enumerate(members) if pages[i].shade is None or k in crowded_set]
        rich_plain = [k for k in plain if numbers[k]]
        if phash_alone is None or group in phash_alone:
            # a page that prints no distinctive number: by phash with every page of its type
            # (not a crowded page: a scan, whose code still finds its source among the
            # uncrowded pages', and whose portrait the picture route compares)
            few = [k for k in range(len(members)) if not numbers[k]]
            few_plain = [k for k in plain if not numbers[k] and k not in crowded_set]
            if few_plain:
                rows, found, _ = _within(ph, ph[few_plain], phash_radius)
                out.update(_ordered(members, few_plain[r], int(f)) for r, f in zip(rows, found) if few_plain[r] != f)
            for scanned in (False, True):
                rich = [k for k in rich_plain if (k in crowded_set) == scanned]
                if rich and few:
                    rows, found, _ = _within(ph[few], ph[rich], radius(scanned))
                    out.update(_ordered(members, rich[r], few[f]) for r, f in zip(rows, found) if rich[r] != few[f])
        if rich_plain:
            plain_set = set(rich_plain)
            for a, b in sharing_numbers(numbers, min_shared, min_size=1):
                if (a in plain_set or b in plain_set) and hamming(ph[a], ph[b]) <= radius(a in crowded_set or b in crowded_set):
                    out.add(_ordered(members, a, b))
        # only scans: on a page without texture no pixel test tells one image filed twice
        # from two printings of one text, and in a small batch a template's words are
        # on few pages
        mute = {k for k in crowded if not numbers[k]}
        if mute:
            for a, b in _sharing_words(pages, members, mute, min_shared, min_words):
                if hamming(ph[a], ph[b]) <= radius(a in crowded_set or b in crowded_set):
                    out.add(_ordered(members, a, b))
    return sorted(out)


def _sharing_words(pages: list[PageCode], members: list[int], mute: set[int], min_shared: float,
                   min_words: int) -> set[tuple[int, int]]:
    """Pairs (of members' positions) of a page of `mute`, which print no distinctive number,
    and a page of its type that shares `min_shared` of its distinctive character pairs (those
    on at most `common_number_pages` pages of the type). A licence whose credit code was
    misread or painted over prints no other distinctive number, but its name, address and
    business scope are its own: a copy, even one retouched with another unit's name and
    code, keeps most of them, and another unit's licence shares few. A contract's clause
    page has none beyond misreadings: the template's text, not paired. A page with fewer
    than `min_words` character pairs read has too little text to tell."""
    words = [pages[i].words if pages[i].words is not None and len(pages[i].words) >= min_words else frozenset()
             for i in members]
    if not any(words[k] for k in mute):
        return set()
    own = distinctive_numbers(words)
    return {(a, b) for a, b in sharing_numbers(own, min_shared, min_size=1) if a in mute or b in mute}


def crowded_codes(codes: np.ndarray) -> np.ndarray:
    """Whether each shade code has `shade_crowd` or more other codes of its type within
    `shade_radius`: a code that many pages share tells none of them apart. Flat paper (a
    scanner's shading correction; a generator drawing none) reads one level in every cell,
    its bits are ties, and every such page's code agrees with every other's, whoever printed
    it; searched by them, every two such pages of a type were paired. Two printings scanned
    with shading are rarely within the radius, and a scan reused `shade_crowd` times is
    still paired through its numbers."""
    k = THRESHOLDS["shade_crowd"]
    if len(codes) <= k:
        return np.zeros(len(codes), bool)
    index = faiss.IndexBinaryFlat(codes.shape[1] * 8)
    x = np.ascontiguousarray(codes)
    index.add(x)
    dist, _ = index.search(x, k + 1)  # the code itself among them
    return dist[:, k] <= THRESHOLDS["shade_radius"]


def _same_owner_pairs(pages: list[PageCode], members: list[int], crowded: list[int], ph: np.ndarray) -> set[tuple[int, int]]:
    """Each crowded page (members' positions `crowded`) with the other pages of its type that
    its own dossier filed, within the textured phash radius: a few pages a dossier, whatever
    the batch's size."""
    by_owner: dict[str, list[int]] = {}
    for k, i in enumerate(members):
        if pages[i].owner is not None:
            by_owner.setdefault(pages[i].owner, []).append(k)
    out = set()
    for a in crowded:
        for b in by_owner.get(pages[members[a]].owner, []) if pages[members[a]].owner is not None else []:
            if a != b and hamming(ph[a], ph[b]) <= THRESHOLDS["textured_phash_radius"]:
                out.add(_ordered(members, a, b))
    return out


def distinctive_numbers(numbers: list[frozenset]) -> list[frozenset]:
    """Each page's numbers without those printed on more than `common_number_pages` of the
    pages (of one document type)."""
    frequency: dict[str, int] = {}
    for s in numbers:
        for x in s:
            frequency[x] = frequency.get(x, 0) + 1
    common = {x for x, n in frequency.items() if n > THRESHOLDS["common_number_pages"]}
    return [s - common if common & s else s for s in numbers]


def _ordered(members: list[int], a: int, b: int) -> tuple[int, int]:
    return members[min(a, b)], members[max(a, b)]


def region_neighbours(codes: list[np.ndarray]) -> list[list[int]]:
    """For each picture block, the nearest other blocks (up to `region_neighbours`, within
    `region_radius`), nearest first."""
    if len(codes) < 2:
        return [[] for _ in codes]
    x = np.ascontiguousarray(np.stack(codes))
    index = faiss.IndexBinaryFlat(x.shape[1] * 8)
    index.add(x)
    k = min(len(codes), THRESHOLDS["region_neighbours"] + 1)
    dist, found = index.search(x, k)
    radius = THRESHOLDS["region_radius"]
    return [[int(f) for f, d in zip(found[i], dist[i]) if f != i and f >= 0 and d <= radius] for i in range(len(codes))]

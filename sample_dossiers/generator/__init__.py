"""Deterministic generator of sample 技师工作站 dossiers with ground truth.

`python -m sample_dossiers.generator --out DIR --seed N --count N --variant a|b`
Everything random comes from one `random.Random(seed)` per dossier, and every carrier
(PDF, docx, zip, JPEG, TIFF) is written with fixed dates and metadata, so the same seed
and variant give byte-identical files.
"""

"""Plain record types shared by every stage.

Extraction produces these; validators and reports read them. They are plain
dataclasses so every stage can be tested without Prefect or a server.
Bounding boxes are fractions (0..1) of the page's width and height, origin top-left,
as CONTRACT.md requires for provenance.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]

DOCUMENT_TYPES = (
    "id_card",
    "qualification_certificate",
    "business_licence",
    "bank_account",
    "labour_contract",
    "application_form",
    "application_report",
    "achievement",
    "other",
)


@dataclass
class Provenance:
    """Where a value was read. `value` and `doc_type` are additions to the contract's record:
    they let the checks compare what each document states without re-parsing `text`."""

    file: str
    page: int
    bbox: BBox | None
    confidence: float
    text: str
    engine: str
    value: str | None = None
    doc_type: str | None = None
    # Cross-check readings of the same crop by another engine / resolution (issue 3).
    rereads: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bbox"] = list(self.bbox) if self.bbox is not None else None
        if not d["rereads"]:
            d.pop("rereads")
        return d


@dataclass
class TextLine:
    text: str
    bbox: BBox
    confidence: float  # 0..1
    engine: str  # text_layer | docx | tesseract | rapidocr


@dataclass
class Page:
    """One page of one file: its text lines and, where it has one, its rendered image."""

    file: str  # path relative to the dossier root (inside the zip for zipped dossiers)
    page: int  # 1-based within the file
    lines: list[TextLine] = field(default_factory=list)
    text_source: str = "ocr"  # text_layer | ocr | docx
    image_path: str | None = None  # rendered page image (PNG) in the work folder
    width: int | None = None  # image pixels
    height: int | None = None
    rotation: int = 0  # degrees the image was turned to read it upright
    needs_ocr: bool = False  # set by ingestion, cleared once OCR lines are in
    ocr_lines: list[TextLine] | None = None  # OCR of a text-layer page's image (text-layer check)
    # The boxes (page fractions) of the image those lines were read from; None: the whole page.
    ocr_regions: list[BBox] | None = None
    # A second engine's reading of each text-layer identifier the first OCR did not find on
    # the image (token -> text read in that line's box): TEXT_LAYER_MISMATCH's confirmation.
    layer_rereads: dict[str, str] = field(default_factory=dict)
    source_image: bool = False  # page comes from a photo / JPEG (error-level analysis applies)
    error: str | None = None  # why this page could not be read

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class FileReading:
    """The result of reading one submitted file."""

    file: str  # relative path inside the dossier
    source_path: str  # absolute path of the original (never written to) or of its unpacked copy
    sha256: str
    kind: str  # pdf | docx | image | doc | wps | zip-member | unknown
    pages: list[Page] = field(default_factory=list)
    error_code: str | None = None  # corrupt | encrypted | empty | unsupported | too_large | legacy_unconverted | ocr_timeout | unsafe_archive | unsafe_package
    error: str | None = None  # reason in Chinese, for the reviewer
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. pdf producer, embedded image count


@dataclass
class FieldValue:
    value: str
    prov: Provenance


@dataclass
class Document:
    """Consecutive pages of one file that form one document of one type."""

    file: str
    pages: list[int]
    type: str
    score: float = 0.0
    text_source: str = "ocr"
    error: str | None = None
    fields: dict[str, list[FieldValue]] = field(default_factory=dict)
    rows: list[dict[str, FieldValue]] = field(default_factory=list)  # the form's member table

    def first(self, name: str) -> FieldValue | None:
        values = self.fields.get(name)
        return values[0] if values else None


@dataclass
class Applicant:
    name: str | None = None
    uscc: str | None = None
    legal_representative: str | None = None
    address: str | None = None
    registration_authority: str | None = None
    established: str | None = None
    provenance: dict[str, list[Provenance]] = field(default_factory=dict)


@dataclass
class BankAccount:
    account_name: str | None = None
    account_number: str | None = None
    bank: str | None = None
    basic_account_licence_no: str | None = None
    # Addition: which bank document it came from (开户许可证 / 基本存款账户信息 / other account proof)
    account_kind: str | None = None  # basic | general | unknown
    provenance: dict[str, list[Provenance]] = field(default_factory=dict)


@dataclass
class Member:
    name: str | None = None
    id_number: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    occupation: str | None = None
    level: str | None = None
    certificate_kind: str | None = None
    certificate_number: str | None = None
    certificate_issue_date: str | None = None
    certificate_issuer: str | None = None
    has_id_card: bool = False
    has_contract: bool = False
    contract_end: str | None = None  # None with has_contract: open-ended (无固定期限)
    has_certificate: bool = False
    contract_open_ended: bool = False
    listed_in_form: bool = False
    provenance: dict[str, list[Provenance]] = field(default_factory=dict)


@dataclass
class DossierRecord:
    """Everything extracted from one dossier, before judgement."""

    dossier_id: str
    files: list[FileReading] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    applicant: Applicant = field(default_factory=Applicant)
    bank_account: BankAccount = field(default_factory=BankAccount)
    members: list[Member] = field(default_factory=list)
    # ART5.2 report sections found: section key -> provenance of its heading
    report_sections: dict[str, list[Provenance]] = field(default_factory=dict)
    # ART4.2..ART4.5 evidence sentences: rule id -> provenance (text = the sentence)
    evidence: dict[str, list[Provenance]] = field(default_factory=dict)
    error: str | None = None  # the dossier could not be read at all

    @property
    def pages(self) -> list[Page]:
        return [p for f in self.files for p in f.pages]

    def page(self, file: str, page: int) -> Page | None:
        for p in self.pages:
            if p.file == file and p.page == page:
                return p
        return None

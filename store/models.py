"""The case store's tables (SQLAlchemy 2). ID and account numbers appear only as keyed
hashes (store/keys.py) beside their masked form; unit names and credit codes are public."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Screening(Base):
    """One dossier screened once (a correction round is another row)."""
    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    dossier_id: Mapped[str] = mapped_column(String(255))
    unit_name: Mapped[str | None] = mapped_column(String(255))
    uscc: Mapped[str | None] = mapped_column(String(32), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    documents_key: Mapped[str] = mapped_column(String(64))  # hash of the set of file hashes
    out_dir: Mapped[str | None] = mapped_column(Text)
    screened_at: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[str | None] = mapped_column(String(10))
    recommendation: Mapped[str | None] = mapped_column(String(40))
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)  # masked fields and flags, for correction rounds
    outcome: Mapped[str | None] = mapped_column(String(20))  # recognised | not_recognised | None (undecided)
    documents: Mapped[list["DocumentRow"]] = relationship(back_populates="screening", cascade="all, delete-orphan")
    pages: Mapped[list["PageImageRow"]] = relationship(back_populates="screening", cascade="all, delete-orphan")
    members: Mapped[list["MemberRow"]] = relationship(back_populates="screening", cascade="all, delete-orphan")
    accounts: Mapped[list["AccountRow"]] = relationship(back_populates="screening", cascade="all, delete-orphan")
    flags: Mapped[list["FlagRow"]] = relationship(back_populates="screening", cascade="all, delete-orphan")
    __table_args__ = (Index("ix_screenings_year_dossier", "year", "dossier_id"),)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str | None] = mapped_column(String(20))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    types: Mapped[str | None] = mapped_column(String(255))
    screening: Mapped[Screening] = relationship(back_populates="documents")


class PageImageRow(Base):
    __tablename__ = "page_images"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(Text)
    page: Mapped[int] = mapped_column(Integer)
    doc_type: Mapped[str] = mapped_column(String(40))
    person_hash: Mapped[str | None] = mapped_column(String(64))
    phash: Mapped[str] = mapped_column(String(64), index=True)
    dhash: Mapped[str | None] = mapped_column(String(64))
    numbers: Mapped[list] = mapped_column(JSON, default=list)  # keyed hashes of the printed numbers
    image_path: Mapped[str | None] = mapped_column(Text)  # the rendered page in that run's OUT_DIR, while it exists
    # ID card pages: keyed hash of the card's address and validity period (what a re-typed
    # reuse of one card keeps), and whether both were read exactly (text layer / Word)
    card_key: Mapped[str | None] = mapped_column(String(64), index=True)
    card_exact: Mapped[bool] = mapped_column(default=False, server_default=false())
    screening: Mapped[Screening] = relationship(back_populates="pages")


class MemberRow(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(32))
    id_valid: Mapped[bool] = mapped_column(default=False)
    level: Mapped[str | None] = mapped_column(String(20))
    file: Mapped[str | None] = mapped_column(Text)  # where the ID number was read
    page: Mapped[int | None] = mapped_column(Integer)
    screening: Mapped[Screening] = relationship(back_populates="members")


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    account_hash: Mapped[str] = mapped_column(String(64), index=True)
    account_masked: Mapped[str | None] = mapped_column(String(40))
    account_name: Mapped[str | None] = mapped_column(String(255))
    file: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    screening: Mapped[Screening] = relationship(back_populates="accounts")


class FlagRow(Base):
    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # [{file, page}]
    screening: Mapped[Screening] = relationship(back_populates="flags")


class DecisionRow(Base):
    """A reviewer's 结论 read back from a worksheet (reports/decisions.py)."""
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    dossier_id: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str | None] = mapped_column(String(40))
    item: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(40))
    opinion: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(String(64))
    date: Mapped[str | None] = mapped_column(String(10))
    cell: Mapped[str | None] = mapped_column(String(64))
    extra: Mapped[dict] = mapped_column(JSON, default=dict)  # fields of a newer ledger vocabulary, kept as read


class RegistryEntry(Base):
    """A row of the registry CSV of earlier recognitions and fundings."""
    __tablename__ = "registry_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(255))
    uscc: Mapped[str | None] = mapped_column(String(32), index=True)
    programme: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str | None] = mapped_column(Text)  # file and line it was imported from
    members: Mapped[list["RegistryMember"]] = relationship(back_populates="entry", cascade="all, delete-orphan")


class RegistryMember(Base):
    __tablename__ = "registry_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id", ondelete="CASCADE"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(32))
    entry: Mapped[RegistryEntry] = relationship(back_populates="members")


class Objection(Base):
    """An objection received during the public notice (第六条第（四）项), from the clerk's log."""
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    dossier_id: Mapped[str | None] = mapped_column(String(255))
    unit_name: Mapped[str | None] = mapped_column(String(255))
    received: Mapped[str | None] = mapped_column(String(10))
    objector: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str | None] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(String(40))  # 异议成立 | 异议不成立 | 调查中
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_on: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(Text)

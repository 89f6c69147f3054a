"""One reader per file carrier (PDF, Word, image, legacy Word, zip), each returning a
`FileReading`. `extractors.ingest` picks the reader from the sniffed type."""

"""Local corpora: exported records (readers) built into an FTS5-indexed SQLite file (build), counted (index)."""

from survey.corpus.build import ImportReport, import_corpus
from survey.corpus.index import Corpus

__all__ = ["Corpus", "ImportReport", "import_corpus"]

"""Local corpora: import exported records (importers) into an FTS5-indexed SQLite file (index)."""

from survey.corpus.index import Corpus, import_corpus

__all__ = ["Corpus", "import_corpus"]

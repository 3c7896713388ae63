"""Local corpora: import exported records (importers) into an FTS5-indexed SQLite file (index)."""

from survey.corpus.index import Corpus, ImportReport, import_corpus, match_expression

__all__ = ["Corpus", "ImportReport", "import_corpus", "match_expression"]

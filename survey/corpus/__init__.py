"""Local corpora: exported records (readers) built into an FTS5-indexed SQLite file (build), counted (index)."""

from survey.corpus.index import Corpus

__all__ = ["Corpus", "ImportReport", "import_corpus"]


def __getattr__(name: str):
    # Imported on first use: a count in a corpus never needs the import machinery.
    if name in ("ImportReport", "import_corpus"):
        from survey.corpus import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

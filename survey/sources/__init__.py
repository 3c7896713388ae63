"""Source registry: names to classes, imported only when asked for."""

from __future__ import annotations

import importlib

from survey.errors import UnknownSource

# name -> "module:Class". Each class offers ``from_settings(settings)``.
REGISTRY: dict[str, str] = {
    "openalex": "survey.sources.openalex:OpenAlexSource",
    "semanticscholar": "survey.sources.semanticscholar:SemanticScholarSource",
    "arxiv": "survey.sources.arxiv:ArxivSource",
    "crossref": "survey.sources.crossref:CrossrefSource",
    "dblp": "survey.sources.dblp:DblpSource",
    "scholar": "survey.sources.scholar:ScholarSource",
    "wos": "survey.sources.wos:WosSource",
}


def source_names(settings=None) -> list[str]:
    """Every usable source name, with one ``local:NAME`` per imported corpus."""
    names = list(REGISTRY)
    if settings is not None:
        from survey.sources.local import corpus_names

        names += [f"local:{n}" for n in corpus_names(settings)]
    return names


def make_source(name: str, settings):
    if name == "local" or name.startswith("local:"):
        from survey.sources.local import LocalSource

        return LocalSource.from_settings(settings, name.partition(":")[2] or None)
    if name not in REGISTRY:
        valid = ", ".join(source_names(settings))
        raise UnknownSource(f"unknown source {name!r}; valid sources: {valid}")
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls).from_settings(settings)


def estimate_of(name: str) -> str:
    """How the named source's counts are estimates ('' where they are counts): from its class, not an instance."""
    if name not in REGISTRY:
        return ""  # local corpora count exactly
    module, _, cls = REGISTRY[name].partition(":")
    capabilities = getattr(getattr(importlib.import_module(module), cls), "capabilities", None)
    return capabilities.estimate if capabilities is not None else ""  # set per instance: counts, not estimates

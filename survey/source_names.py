"""Source names as commands take them: the valid ones, `local` resolved, one error for an unknown name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from survey.errors import UnknownSource

if TYPE_CHECKING:
    from survey.sources.base import Source
    from survey.store import Store


def known_names(settings, store: "Store | None" = None) -> list[str]:
    """Every name a command accepts: online sources, imported corpora, and local sources with cached counts."""
    from survey.sources import REGISTRY
    from survey.sources.local import corpus_names

    names = list(REGISTRY) + [f"local:{n}" for n in corpus_names(settings)]
    if store is not None:
        names += [s for s in store.sources() if s.startswith("local:") and s not in names]
    return names


def unknown_source(name: str, settings, store: "Store | None" = None) -> UnknownSource:
    return UnknownSource(f"unknown source {name!r}; valid sources: {', '.join(known_names(settings, store))}")


def resolve_name(name: str, settings, store: "Store | None" = None) -> str:
    """The canonical name: ``local`` becomes ``local:NAME``; an unknown name is an error (exit 2)."""
    from survey.sources import REGISTRY
    from survey.sources.local import corpus_names

    name = name.strip()
    if name in REGISTRY:
        return name
    corpora = [f"local:{n}" for n in corpus_names(settings)]
    stored = [s for s in (store.sources() if store is not None else []) if s.startswith("local:")]
    if name == "local":
        candidates = corpora or stored
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise UnknownSource(
                f"no local corpus in {settings.corpora_dir}; import one with `survey corpus import FILE --name NAME`"
            )
        raise UnknownSource(f"several local corpora, say which: {', '.join(candidates)}")
    if name in corpora or name in stored:
        return name
    raise unknown_source(name, settings, store)


def make_sources(names: Iterable[str], settings, store: "Store | None" = None, *, reading: bool = False) -> dict:
    """Source objects by canonical name. ``reading``: a local corpus known only from the cache compiles
    its queries (to find its stored answers) without being on this machine."""
    from survey.sources import make_source
    from survey.sources.local import corpus_names
    from survey.sources.stored import StoredLocalSource

    out: dict[str, Source] = {}
    for raw in names:
        name = resolve_name(raw, settings, store)
        if name in out:
            continue
        if name.startswith("local:") and name.partition(":")[2] not in corpus_names(settings):
            if not reading:
                raise UnknownSource(
                    f"{name}: the corpus is not on this machine (only its cached counts are); "
                    f"import it with `survey corpus import FILE --name {name.partition(':')[2]}`"
                )
            out[name] = StoredLocalSource(name)
        else:
            out[name] = make_source(name, settings)
    return out


def configured_sources(settings, log: Callable[[str], None] = lambda m: None) -> dict:
    """Every source usable as configured (``--all``); the others are named through ``log``."""
    from survey.sources import make_source, source_names

    chosen = {}
    for name in source_names(settings):
        source = make_source(name, settings)
        ok, why = source.configured()
        if ok:
            chosen[name] = source
        else:
            source.close()
            log(f"skipping {name}: {why}")
    return chosen


def close_all(sources: dict) -> None:
    for s in sources.values():
        s.close()

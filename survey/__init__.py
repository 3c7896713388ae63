"""survey: reproducible literature surveys of method x task hit counts.

The public API (see ``survey.api`` for every argument)::

    import survey
    survey.refresh("queries/x.toml", "local:acl", by_year=True)
    frame = survey.counts("queries/x.toml", "local:acl", by_year=True)   # the method rows
    works = survey.year_totals("queries/x.toml", "local:acl")            # all works per year
    shares = survey.shares("queries/x.toml", "local:acl")   # with 95% Wilson intervals
    tested = survey.trend("queries/x.toml", "local:acl")    # joinpoint segments per task, method, measure
    survey.report("queries/x.toml", output="reports/x.md")

The query file comes first, then ``sources``: one name or a list of names, by position or as
``sources=``; everything else is by keyword.
"""

__version__ = "0.1.0"

from survey.errors import BadInput, QueryFileError, SurveyError, UnknownSource  # noqa: E402

# The API and the store are imported on first use: `survey --help` imports this package and
# needs neither (they and their imports were most of its start-up).
_LAZY = {"counts": "survey.api", "plan": "survey.api", "refresh": "survey.api", "report": "survey.api",
         "shares": "survey.api", "tables": "survey.api", "trend": "survey.api", "year_totals": "survey.api",
         "StoreError": "survey.store"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'survey' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "__version__", "counts", "year_totals", "plan", "refresh", "report", "tables", "shares", "trend",
    "SurveyError", "BadInput", "QueryFileError", "UnknownSource", "StoreError",
]

"""survey: reproducible literature surveys of method x task hit counts.

The public API (see ``survey.api`` for every argument)::

    import survey
    survey.refresh("queries/x.toml", sources=["local:acl"], by_year=True)
    frame = survey.counts("queries/x.toml", source="local:acl", by_year=True)
    shares = survey.shares("queries/x.toml", source="local:acl")   # with 95% Wilson intervals
    tested = survey.trend("queries/x.toml", "local:acl")           # joinpoint segments per task, method, measure
    survey.report("queries/x.toml", "reports/x.md")
"""

__version__ = "0.1.0"

from survey.api import counts, plan, refresh, report, shares, tables, trend  # noqa: E402
from survey.errors import BadInput, QueryFileError, SurveyError, UnknownSource  # noqa: E402
from survey.store import StoreError  # noqa: E402

__all__ = [
    "__version__", "counts", "plan", "refresh", "report", "tables", "shares", "trend",
    "SurveyError", "BadInput", "QueryFileError", "UnknownSource", "StoreError",
]

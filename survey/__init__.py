"""survey: reproducible literature surveys of method x task hit counts.

The public API (see ``survey.api`` for every argument)::

    import survey
    survey.refresh("queries/x.toml", "local:acl", by_year=True)
    frame = survey.counts("queries/x.toml", "local:acl", by_year=True)   # the method rows
    works = survey.year_totals("queries/x.toml", "local:acl")            # all works per year
    shares = survey.shares("queries/x.toml", "local:acl")   # with 95% Wilson intervals
    tested = survey.trend("queries/x.toml", "local:acl")    # odds ratio per year, growth, crossover
    survey.report("queries/x.toml", output="reports/x.md")

The query file comes first, then ``sources``: one name or a list of names, by position or as
``sources=``; everything else is by keyword.
"""

__version__ = "0.1.0"

from survey.api import counts, plan, refresh, report, shares, tables, trend, year_totals  # noqa: E402
from survey.errors import BadInput, QueryFileError, SurveyError, UnknownSource  # noqa: E402
from survey.store import StoreError  # noqa: E402

__all__ = [
    "__version__", "counts", "year_totals", "plan", "refresh", "report", "tables", "shares", "trend",
    "SurveyError", "BadInput", "QueryFileError", "UnknownSource", "StoreError",
]

"""The Markdown report and its figures (pandas and matplotlib: import lazily from the CLI).

Public API::

    from survey.reporting import write_report, ReportResult
    result = write_report(matrix, store, settings, "reports/lstm_vs_cnn.md")
    result.path, result.figures, result.plan_csv, result.seconds, result.not_fetched

See ``survey.reporting.render`` for the sections and the files written, and
``survey.reporting.audit`` for the matched-record sample behind ``survey audit``.
"""

from survey.reporting.render import ReportResult, write_report

__all__ = ["ReportResult", "write_report"]

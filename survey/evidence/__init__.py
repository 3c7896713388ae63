"""Evidence behind a count: intervals, the claims they support, and tested trends.

``intervals``: Wilson intervals for shares and the ratio intervals that follow from them.
``claims``: when a method may be said to lead a task (and when there are too few matches).
``shares``: per source, window, task (and year) each method's count, share and interval.
``trends``: binomial and quasi-Poisson regressions of shares and counts on year, crossovers.

scipy and statsmodels are imported inside the functions that need them, so that importing
this package (and ``survey --help``) stays light.
"""

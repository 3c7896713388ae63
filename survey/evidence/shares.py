"""Each method's share of all method matches in a task, with its Wilson interval.

The denominator is the sum of the methods' counts in the task: a record that matches two
methods counts once for each, so shares are of matches, not of records. A share needs every
method's count of its task; where one is missing (not fetched, unsupported, failed), the
task's shares stay empty rather than being computed from the methods that happen to be there.
"""

from __future__ import annotations

import pandas as pd

from survey.evidence.intervals import LEVEL, ratio_interval, wilson

KEYS = ["source", "window", "year", "task"]
SHARE_COLUMNS = ["source", "window", "year", "task", "method", "count", "share", "ci_low", "ci_high"]
RATIO_COLUMNS = ["source", "window", "year", "task", "numerator", "denominator", "count_a", "count_b",
                 "ratio", "ci_low", "ci_high"]


def shares(counts: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """``counts`` (source, window, year, task, method, count; count NA where missing) with share and interval.

    Returns SHARE_COLUMNS: share and bounds as fractions, NA where the task lacks a count or has no match.
    """
    frame = counts[["source", "window", "year", "task", "method", "count"]].copy()
    frame["count"] = frame["count"].astype("Int64")
    group = frame["count"].groupby([frame[k] for k in KEYS], sort=False, dropna=False)  # window totals have no year
    complete = group.transform(lambda s: bool(s.notna().all())).astype(bool)
    total = group.transform("sum").astype("float64")
    usable = complete & (total > 0)
    share = pd.Series(float("nan"), index=frame.index)
    low = share.copy()
    high = share.copy()
    if usable.any():
        c = frame.loc[usable, "count"].astype("float64").to_numpy()
        n = total[usable].to_numpy()
        share[usable] = c / n
        lo, hi = wilson(c, n, level)
        low[usable], high[usable] = lo, hi
    frame["share"], frame["ci_low"], frame["ci_high"] = share, low, high
    return frame[SHARE_COLUMNS].reset_index(drop=True)


def ratios(counts: pd.DataFrame, pairs: list[tuple[str, str]], level: float = LEVEL) -> pd.DataFrame:
    """For each pair the query file asks for, a:b per task with the interval from its conditional share."""
    rows = []
    keyed = counts.assign(**{k: counts[k].astype(object).where(counts[k].notna(), None) for k in KEYS})
    for key, part in keyed.groupby(KEYS, sort=False, dropna=False):
        by_method = dict(zip(part["method"], part["count"]))
        for a, b in pairs:
            x, y = by_method.get(a), by_method.get(b)
            row = dict(zip(KEYS, key), numerator=a, denominator=b)
            if pd.isna(x) or pd.isna(y) or int(x) + int(y) == 0:  # pd.isna(None): a method the task lacks
                rows.append({**row, "count_a": x, "count_b": y, "ratio": None, "ci_low": None, "ci_high": None})
                continue
            r = ratio_interval(int(x), int(y), level)
            rows.append({**row, "count_a": int(x), "count_b": int(y), "ratio": r.value, "ci_low": r.low,
                         "ci_high": r.high})
    frame = pd.DataFrame(rows, columns=RATIO_COLUMNS)
    return frame.astype({"count_a": "Int64", "count_b": "Int64", "ratio": "float64", "ci_low": "float64",
                         "ci_high": "float64"})


def to_csv(frame: pd.DataFrame) -> str:
    """The shares as CSV: year empty for window totals, share and bounds as fractions to 4 decimals."""
    out = frame[SHARE_COLUMNS].copy()
    out["year"] = out["year"].astype("Int64")
    for col in ("share", "ci_low", "ci_high"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
    out["count"] = out["count"].astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")

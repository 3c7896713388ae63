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
SHARE_COLUMNS = ["source", "window", "year", "task", "method", "count", "share", "ci_low", "ci_high", "p_holm",
                 "claim"]
RATIO_COLUMNS = ["source", "window", "year", "task", "numerator", "denominator", "count_a", "count_b",
                 "ratio", "ci_low", "ci_high"]


def shares(counts: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """``counts`` (source, window, year, task, method, count; count NA where missing) with share and interval.

    Returns SHARE_COLUMNS: share and bounds as fractions, NA where the task lacks a count or has no match
    (and bounds NA where the source's counts are documented estimates, ``estimate_of``);
    on window rows (year NA), the claim of ``survey.evidence.claims`` (Holm across the tasks of one
    source and window): the task's adjusted p-value, and leads, trails, unclear or too few per method.
    Per-year rows carry neither (NA p_holm, empty claim): no claim is made from one year.
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
    from survey.sources import estimate_of

    estimated = frame["source"].map(lambda s: bool(estimate_of(s))).astype(bool)
    low[estimated], high[estimated] = float("nan"), float("nan")  # a rounded estimate is no count of papers
    frame["share"], frame["ci_low"], frame["ci_high"] = share, low, high
    frame["p_holm"], frame["claim"] = _claims(frame, level)
    return frame[SHARE_COLUMNS].reset_index(drop=True)


def _claims(frame: pd.DataFrame, level: float) -> tuple[pd.Series, pd.Series]:
    """Per row, the task's Holm-adjusted p-value and the method's side of the claim (window rows only)."""
    from survey.evidence.claims import method_claim, verdicts
    from survey.sources import estimate_of

    p_holm = pd.Series(float("nan"), index=frame.index)
    claim = pd.Series("", index=frame.index, dtype=object)
    windows = frame[frame["year"].isna()]
    for (source, _), table in windows.groupby(["source", "window"], sort=False, dropna=False):
        found = verdicts({task: {m: None if pd.isna(c) else int(c) for m, c in zip(part["method"], part["count"])}
                          for task, part in table.groupby("task", sort=False)},
                         level=level, estimate=bool(estimate_of(source)))
        for i, task, method in zip(table.index, table["task"], table["method"]):
            v = found[task]  # an estimate's claim is '': who has most is no tested claim
            if v.p_holm is not None:
                p_holm[i] = v.p_holm
            claim[i] = method_claim(v, method)
    return p_holm, claim


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
    """The shares as CSV: year empty for window totals, share and bounds as fractions to 4 decimals,
    the adjusted p-value to 4 significant figures."""
    out = frame[SHARE_COLUMNS].copy()
    out["year"] = out["year"].astype("Int64")
    for col in ("share", "ci_low", "ci_high"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
    out["p_holm"] = out["p_holm"].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
    out["count"] = out["count"].astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")

"""Report, `survey shares --by-year` and `survey trend` times on the full ACL Anthology corpus store.

    .venv/bin/python benchmarks/report_speed.py [--corpus PATH | --home DIR] [--repeat 3]

Imports the corpus into a throwaway SURVEY_HOME (or uses ``--home DIR``, a state folder whose
cache already holds `survey refresh -q queries/lstm_vs_cnn.toml -s local:acl --by-year`),
refreshes `-s local:acl --by-year` (window totals and per-year counts for every cell), then times:

- ``write_report`` with the default sources (the corpus plus every online source, named as not
  fetched), as ``ReportResult.seconds`` measures it, from the cache's answers read to the file
  written: shares and intervals, the trend models, every figure, the precision-audit samples, the
  overlap counts, the plan CSV. Target: at most 2 s.
- ``survey.api.shares(..., by_year=True)`` and ``survey.api.trend(...)`` for `local:acl`, the
  calls behind `survey shares --by-year` and `survey trend`. Target: at most 1 s each.

pandas, matplotlib, scipy and statsmodels are imported (and timed) before the first run, as the
commands have them loaded by then too. Exits 1 when a median is over its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"report": 2.0, "shares --by-year": 1.0, "trend": 1.0}


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "acl-anthology" / "papers.jsonl.gz")
    parser.add_argument("--home", type=Path, default=None, help="an existing state folder with the ACL counts cached")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.home is None and not args.corpus.is_file():
        print(f"no corpus at {args.corpus}; pass --corpus PATH or --home DIR", file=sys.stderr)
        return 2

    t = time.perf_counter()
    import matplotlib  # noqa: F401
    import pandas  # noqa: F401
    import statsmodels.genmod.generalized_linear_model  # noqa: F401
    import statsmodels.stats.proportion  # noqa: F401

    from survey.reporting import write_report

    imports = time.perf_counter() - t

    from survey import api
    from survey.config import Settings
    from survey.corpus.index import import_corpus
    from survey.query_file import load_matrix
    from survey.refreshing import plan, run
    from survey.sources import make_source
    from survey.store import Store

    query = REPO / "queries" / "lstm_vs_cnn.toml"
    matrix = load_matrix(query)
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        home = args.home or Path(tmp)
        settings = Settings(home=home, env={})
        if args.home is None:
            t = time.perf_counter()
            report = import_corpus(args.corpus, settings.corpora_dir / "acl.sqlite")
            print(f"import: {report.imported:,} records in {time.perf_counter() - t:.1f} s")
        source = make_source("local:acl", settings)
        with Store(settings.cache_path) as store:
            t = time.perf_counter()
            summary = run(plan(matrix, {"local:acl": source}, store, by_year=True), {"local:acl": source}, store)
            source.close()
            print(f"refresh --by-year: {summary.fetched} fetched, {summary.cached} cached in {time.perf_counter() - t:.1f} s")
            print(f"imports (pandas, matplotlib, statsmodels, survey.reporting): {imports:.2f} s, once per process")
            out = Path(tmp) / "reports" / "lstm_vs_cnn.md"
            figures = []
            times = {"report": []}
            for _ in range(args.repeat):
                result = write_report(matrix, store, settings, out)
                times["report"].append(result.seconds)  # as before: after the cache is read, to the file written
                figures.append(len(result.figures))
        times["shares --by-year"] = _timed(lambda: api.shares(query, "local:acl", by_year=True, home=home), args.repeat)
        times["trend"] = _timed(lambda: api.trend(query, "local:acl", home=home), args.repeat)
    status = 0
    for name, runs in times.items():
        median = statistics.median(runs)
        ok = median <= TARGETS[name]
        status |= 0 if ok else 1
        extra = f", {figures[-1]} figures" if name == "report" else ""
        print(f"{name}, full ACL Anthology store: median {median:.2f} s, best {min(runs):.2f} s over {len(runs)} runs"
              f"{extra} ({'within' if ok else 'OVER'} the {TARGETS[name]:.0f} s target)")
    return status


if __name__ == "__main__":
    sys.exit(main())

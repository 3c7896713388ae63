"""`survey trend` and the whole report on the ACL matrix: the joinpoint fits' cost.

    .venv/bin/python benchmarks/trend_speed.py [--home DIR] [--repeat 3]

By default the committed counts (data/counts/lstm_vs_cnn.csv, the ACL Anthology's per-year counts
and year totals) are read into a throwaway SURVEY_HOME, as a plain clone renders them; ``--home``
takes a state folder that already holds `survey refresh -q queries/lstm_vs_cnn.toml -s local:acl
--by-year` instead. Then times, after pandas, matplotlib, scipy and statsmodels are imported (a
command has them loaded by then):

- ``survey.api.trend(queries/lstm_vs_cnn.toml, "local:acl")``, the call behind `survey trend`:
  every series of 7 tasks x 2 methods x (count, per 1,000 works, share) fitted. Target: 1 s.
- ``write_report`` with every section, as ``ReportResult.seconds`` measures it. Target: 3 s.

Prints the median and best of each, and the number of segments and of series fitted. Exits 1
when a median is over its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TARGETS = {"survey trend": 1.0, "report": 3.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="a state folder with the ACL counts cached")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    import matplotlib  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401
    import statsmodels.genmod.generalized_linear_model  # noqa: F401

    from survey import api
    from survey.config import Settings
    from survey.query_file import load_matrix
    from survey.reporting import write_report
    from survey.store import Store

    print(f"imports (pandas, matplotlib, scipy, statsmodels, survey.reporting): {time.perf_counter() - t:.2f} s, "
          "once per process")
    query = REPO / "queries" / "lstm_vs_cnn.toml"
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        home = args.home or Path(tmp) / "home"
        settings = Settings(home=home, env={})
        if args.home is None:
            with Store(settings.cache_path) as store:
                store.import_csv(REPO / "data" / "counts" / "lstm_vs_cnn.csv")
            print("counts: the committed data/counts/lstm_vs_cnn.csv (no corpus)")
        times: dict[str, list[float]] = {"survey trend": [], "report": []}
        for _ in range(args.repeat):
            t = time.perf_counter()
            frame = api.trend(query, "local:acl", home=home)
            times["survey trend"].append(time.perf_counter() - t)
        series = frame.groupby(["task", "method", "measure"]).ngroups
        print(f"survey trend: {len(frame)} segments in {series} fitted series, years to {frame['to'].max()}")
        matrix = load_matrix(query)
        with Store(settings.cache_path) as store:
            for _ in range(args.repeat):
                result = write_report(matrix, store, settings, Path(tmp) / "reports" / "lstm_vs_cnn.md")
                times["report"].append(result.seconds)
    status = 0
    for name, runs in times.items():
        median = statistics.median(runs)
        ok = median <= TARGETS[name]
        status |= 0 if ok else 1
        print(f"{name}, ACL matrix: median {median:.2f} s, best {min(runs):.2f} s over {len(runs)} runs "
              f"({'within' if ok else 'OVER'} the {TARGETS[name]:.0f} s target)")
    return status


if __name__ == "__main__":
    sys.exit(main())

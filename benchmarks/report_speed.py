"""Report generation time on the full ACL Anthology corpus store, figures included.

    .venv/bin/python benchmarks/report_speed.py [--corpus PATH] [--repeat 3]

Imports the corpus into a throwaway SURVEY_HOME, refreshes `-s local:acl --by-year` (window
totals and per-year counts for every cell), then times `write_report` end to end, with the default
sources (the corpus plus every online source, named as not fetched): reading the
store, every figure, the precision-audit samples, the plan CSV. pandas and matplotlib are
imported (and timed) before the first run, as `survey report` has them loaded by then too.
Target: at most 5 s per report. Exits 1 when the median run is over it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "acl-anthology" / "papers.jsonl.gz")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"no corpus at {args.corpus}; pass --corpus PATH", file=sys.stderr)
        return 2

    t = time.perf_counter()
    import matplotlib  # noqa: F401
    import pandas  # noqa: F401

    from survey.report import write_report

    imports = time.perf_counter() - t

    from survey.config import Settings
    from survey.corpus.index import import_corpus
    from survey.matrix import load_matrix
    from survey.refresh import plan, run
    from survey.sources import make_source
    from survey.store import Store

    matrix = load_matrix(REPO / "queries" / "lstm_vs_cnn.toml")
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        home = Path(tmp)
        settings = Settings(home=home, env={})
        t = time.perf_counter()
        report = import_corpus(args.corpus, settings.corpora_dir / "acl.sqlite")
        print(f"import: {report.imported:,} records in {time.perf_counter() - t:.1f} s")
        source = make_source("local:acl", settings)
        with Store(settings.cache_path) as store:
            t = time.perf_counter()
            summary = run(plan(matrix, {"local:acl": source}, store, by_year=True), {"local:acl": source}, store)
            source.close()
            print(f"refresh --by-year: {summary.fetched} counts in {time.perf_counter() - t:.1f} s")
            print(f"imports (pandas, matplotlib, survey.report): {imports:.2f} s, once per process")
            times = []
            for i in range(args.repeat):
                result = write_report(matrix, store, settings, home / "reports" / "lstm_vs_cnn.md",
                                      results_path=REPO / "data" / "experiments" / "reference.json")
                times.append(result.seconds)
                print(f"write_report run {i + 1}: {result.seconds:.2f} s ({len(result.figures)} figures)")
    median = statistics.median(times)
    verdict = "within" if median <= TARGET_S else "OVER"
    print(f"report generation, full ACL Anthology store, figures included: median {median:.2f} s, "
          f"best {min(times):.2f} s over {len(times)} runs ({verdict} the {TARGET_S:.0f} s target)")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

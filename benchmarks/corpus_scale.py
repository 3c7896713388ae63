"""Scale benchmark: a 20-fold copy of the ACL Anthology (about 2.18M records), imported and counted.

Run from anywhere:  .venv/bin/python benchmarks/corpus_scale.py [--copies 20]

Every copy's titles are made unique (a token ``cpN`` is appended), so dedup merges exactly what
it merges in one copy and every count is exactly ``copies`` times the single corpus's. Prints
the import time and peak RSS of the import (run in a child process, so nothing else counts),
the study matrix with trend on the large corpus, and whether every count is exactly the
multiple. Targets on the 2-core machine: import <= 60 s, peak RSS <= 400 MB, matrix with trend
<= 0.5 s, counts exactly 20x.

The import builds the stemmed index only; the exact-word index is built the first time a query
with an exact term meets the corpus. That one-off cost is timed and printed too, with a check
that exact counts are 20x as well (it has no target of its own).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from survey.matrix import AllOf, AnyOf, Phrase, Term, load_matrix  # noqa: E402
from survey.sources.local import LocalSource  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "acl-anthology" / "papers.jsonl.gz"
QUERY = REPO / "queries" / "lstm_vs_cnn.toml"
TARGETS = {"import": 60.0, "rss_mb": 400.0, "matrix": 0.5}
# The child reports its own peak RSS (VmHWM): getrusage's figure for a child also counts the
# parent's memory it was forked from, which here holds a copy of the whole corpus.
IMPORT = (
    "import sys, re; from survey.corpus import import_corpus; "
    "r = import_corpus(sys.argv[1], sys.argv[2]); "
    "hwm = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1); "
    "print(r.read, r.imported, r.duplicates, r.skipped, f'{r.seconds:.2f}', hwm)"
)


def write_copies(copies: int, out: Path) -> int:
    lines = 0
    with gzip.open(CORPUS, "rb") as src:
        records = [json.loads(line) for line in src]
    with open(out, "w", encoding="utf-8") as dst:
        for k in range(copies):
            for r in records:
                dst.write(json.dumps(dict(r, title=f"{r['title']} cp{k}")) + "\n")
                lines += 1
    return lines


def timed_import(source: Path, target: Path) -> tuple[list[str], float, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", IMPORT, str(source), str(target)], capture_output=True, text=True,
                          cwd=REPO, check=True)
    wall = time.perf_counter() - started
    fields = done.stdout.split()
    return fields, wall, int(fields[5]) / 1024


def matrix_counts(source, matrix, years):
    counts = {}
    for cell in matrix.cells:
        for w in matrix.windows:
            counts[cell.label, w.name] = source.count(cell.query, w.start, w.end)
        counts[cell.label, "trend"] = source.count_by_year(cell.query, years[0], years[-1])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    if not CORPUS.is_file():
        print(f"{CORPUS} is absent: this benchmark needs the ACL Anthology corpus from ../shared", file=sys.stderr)
        return 2
    matrix = load_matrix(QUERY)
    years = matrix.trend.years(date.today().year)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        single_fields, single_wall, _ = timed_import(CORPUS, tmp / "one.sqlite")
        print(f"single corpus: read {single_fields[0]}, imported {single_fields[1]} in {single_wall:.1f} s")
        started = time.perf_counter()
        big = tmp / "acl20.jsonl"
        lines = write_copies(args.copies, big)
        print(f"wrote {lines} records ({big.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.1f} s")
        fields, wall, rss_mb = timed_import(big, tmp / "big.sqlite")
        big.unlink()
        print(f"import: {wall:.1f} s wall ({fields[4]} s inside import_corpus), peak RSS {rss_mb:.0f} MB "
              f"(read {fields[0]}, imported {fields[1]}, duplicates {fields[2]}, skipped {fields[3]}) "
              f"load average {os.getloadavg()[0]:.1f}  targets <= {TARGETS['import']:.0f} s, <= {TARGETS['rss_mb']:.0f} MB")
        one, many = LocalSource(tmp / "one.sqlite", "one"), LocalSource(tmp / "big.sqlite", "big")
        expected = matrix_counts(one, matrix, years)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            got = matrix_counts(many, matrix, years)
            times.append(time.perf_counter() - started)
        matrix_time = statistics.median(times)

        def times_n(value):
            return {y: n * args.copies for y, n in value.items()} if isinstance(value, dict) else value * args.copies

        wrong = [key for key in expected if got[key] != times_n(expected[key])]
        print(f"matrix with trend ({len(matrix.cells)} cells x {len(matrix.windows)} windows + per-year {years[0]}-{years[-1]}): "
              f"first {times[0]:.3f} s, median of 3 {matrix_time:.3f} s  target <= {TARGETS['matrix']} s")
        print(f"counts exactly {args.copies}x the single corpus: {'yes' if not wrong else 'NO: ' + ', '.join(map(str, wrong[:5]))}")
        exact = AllOf((AnyOf((Term("lstm", exact=True), Phrase(("neural", "network"), exact=True))),))
        started = time.perf_counter()
        exact_big = many.count(exact, 2006, 2026)
        first_exact = time.perf_counter() - started
        exact_one = one.count(exact, 2006, 2026)
        print(f"first exact-term count (builds the exact-word index of the large corpus): {first_exact:.1f} s; "
              f"{exact_big} = {args.copies} x {exact_one}: {'yes' if exact_big == args.copies * exact_one else 'NO'}")
        wrong += [] if exact_big == args.copies * exact_one else ["exact"]
        one.close()
        many.close()
    ok = wall <= TARGETS["import"] and rss_mb <= TARGETS["rss_mb"] and matrix_time <= TARGETS["matrix"] and not wrong
    print(f"targets {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

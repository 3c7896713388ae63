"""What every section of the report reads: the query file, the cache's answers, and where files go."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from survey import analysis
from survey.evidence.claims import Verdict, verdicts
from survey.matrix import Matrix
from survey.reference import ReferenceTable
from survey.reading import stored_history
from survey.reporting.kept import Kept
from survey.observation import Observation
from survey.store import Store
from survey.reporting.text import anchor, shown_path


class Context:
    def __init__(self, *, matrix, store, settings, out_path, now, command, preface, results_path,
                 references, audit_n, online_samples, reading, label_files=()):
        self.matrix: Matrix = matrix
        self.store: Store = store
        self.settings = settings
        self.out_path: Path = out_path
        self.now: datetime = now
        self.command = command
        self.preface = preface
        self.results_path = Path(results_path) if results_path else None
        self.references: list[ReferenceTable] = references
        self.audit_n = audit_n
        self.online_samples = online_samples
        self.figure_paths: list[Path] = []
        self.plan_csv: Path | None = None
        self.fig_dir = out_path.parent / "figures"
        self.stem = out_path.stem
        self.query_shown = shown_path(matrix.path or f"{matrix.name}.toml")
        self.titles: dict[str, str] = {}  # section key -> "N. Title", set by the assembler

        self.label_files: list[Path] = list(label_files)  # committed labels, read by the precision section
        self.variant_items: list = []  # the robustness section's counts, written to the manifest
        self.kept = Kept(out_path.with_name(f"{out_path.stem}.corpus.json"))
        self.reading = reading
        self.latest: list[Observation] = reading.observations
        self.history: list[Observation] = stored_history(store, reading.items)
        self.names = list(reading.with_data) + list(reading.without_data)
        self.not_fetched = list(reading.without_data)
        self.instances = dict(reading.sources)
        self.methods = list(matrix.methods)
        self.tasks = list(matrix.tasks)
        self.pairs: list[tuple[str, str]] = list(matrix.ratios)
        self.tables = {
            (s, w.name): analysis.study_table(self.latest, matrix, s, w) for s in self.names for w in matrix.windows
        }
        self.with_data = [s for s in self.names if any(t.has_data for t in self.source_tables(s))]
        self.ref_tables = [(r, analysis.reference_table(r, matrix)) for r in self.references]
        self._totals: dict[str, dict[int, int]] = {}

    def source_tables(self, source: str) -> list[analysis.StudyTable]:
        return [self.tables[(source, w.name)] for w in self.matrix.windows]

    def refresh_command(self, names: list[str], by_year: bool = True) -> str:
        flags = " ".join(f"-s {n}" for n in names)
        year = " --by-year" if by_year and self.matrix.trend else ""
        return f"survey refresh -q {self.query_shown} {flags}{year}"

    def is_total(self, task: str) -> bool:
        return not self.matrix.tasks.get(task)

    def link_to(self, key: str) -> str:
        """A Markdown link to another section by key, or its plain name where it is not shown."""
        title = self.titles.get(key)
        return f"[{title}](#{anchor(title)})" if title else key.replace("_", " ")

    @staticmethod
    def verdicts(table: analysis.StudyTable) -> dict[str, Verdict]:
        """Per task, what the table's counts let a report say about the lead (Holm across the table's tasks)."""
        from survey.sources import estimate_of

        return verdicts({task: {m: None if table.counts[task].isna()[m] else int(table.counts[task][m])
                                for m in table.counts.index} for task in table.counts.columns},
                        estimate=bool(estimate_of(table.source)))

    # ---------------------------------------------------------- figures

    def figure(self, name: str) -> Path:
        return self.fig_dir / f"{self.stem}_{name}.png"

    def clear_figures(self):
        if self.fig_dir.is_dir():
            for old in self.fig_dir.glob(f"{self.stem}_*.png"):
                old.unlink()

    def link(self, path: Path | None, alt: str) -> str:
        from survey.reporting.text import md

        if path is None:
            return ""
        self.figure_paths.append(path)
        return f"![{md(alt)}]({path.relative_to(self.out_path.parent).as_posix()})"

    def year_totals(self, source: str) -> dict[int, int]:
        """The source's count of all works per year, as cached by `survey refresh --by-year`; {} where none."""
        if source not in self._totals:
            from survey.refreshing import WORKS

            self._totals[source] = {o.year: o.count for o in self.latest
                                    if o.source == source and o.method == WORKS and o.status == "ok"
                                    and o.year is not None and o.count is not None}
        return self._totals[source]

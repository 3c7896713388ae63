"""Section 7, the reference experiment: shown only when the query file or ``--experiment`` names a results file."""

from __future__ import annotations

from survey.reporting import figures
from survey.reporting.context import Context
from survey.reporting.text import md, shown_path, slug, thousands
from survey.table_text import markdown_rows


def applies(ctx: Context) -> bool:
    return ctx.results_path is not None


def render(ctx: Context) -> str:
    from survey.experiment.results import ResultsFormatError, load

    shown = shown_path(ctx.results_path, ctx.out_path.parent.parent)
    if not ctx.results_path.exists():
        return (f"Not run yet: `survey experiment run` writes `{shown}`, which this section reads "
                "(needs `pip install -e '.[experiment]'`).")
    try:
        doc = load(ctx.results_path)
    except (ResultsFormatError, OSError) as exc:
        return f"`{shown}` could not be read ({md(exc)}); rerun `survey experiment run`."
    st, summary = doc["settings"], doc["summary"]  # `load` checked both, and each row's device
    if not summary:
        return f"`{shown}` holds no results; rerun `survey experiment run`."
    out = [experiment_intro(doc, shown)]
    devices = list(dict.fromkeys(r["device"] for r in summary))
    for device in devices:
        rows = [r for r in summary if r["device"] == device]
        if len(devices) > 1:
            out.append(f"### On {device}")
        out.append(experiment_table(rows))
        out.append(ctx.link(figures.experiment_accuracy(rows, ctx.figure(f"experiment_accuracy_{slug(device)}"),
                                                         device=device if len(devices) > 1 else None),
                             f"Test accuracy per task and model on {device}, mean and standard deviation over seeds"))
    data = st.get("data")
    if data:
        lines = []
        for task, info in data.items():
            bits = [f"{info.get('n_train', 'n/a')} train / {info.get('n_val', 'n/a')} validation / "
                    f"{info.get('n_test', 'n/a')} test examples"]
            if info.get("classes"):
                bits.append(f"classes {', '.join(map(str, info['classes']))}")
            if info.get("source"):
                bits.append(f"from `{info['source']}`")
            note = f" {md(info['notes'])}" if info.get("notes") else ""
            lines.append(f"- **{md(task)}**: {'; '.join(bits)}.{note}")
        out.append("Data:\n\n" + "\n".join(lines))
    return "\n\n".join(x for x in out if x)


def experiment_intro(doc: dict, shown: str) -> str:
    st = doc.get("settings", {})
    seeds = st.get("seeds") or []
    bits = [f"mode {st.get('mode', 'n/a')}", f"{len(seeds)} seeds ({', '.join(map(str, seeds))})" if seeds else "",
            f"device {st.get('device')}" if st.get("device") else "",
            f"torch {st['torch']}" if st.get("torch") else "", f"Python {st['python']}" if st.get("python") else ""]
    when = str(doc.get("created", ""))[:10]
    wall = doc.get("wall_seconds")
    run = ", ".join(x for x in (f"run {when}" if when else "",
                                f"{wall / 60:.1f} min in all" if isinstance(wall, (int, float)) else "") if x)
    return (f"The same LSTM and CNN (Kim 2014) classifiers trained on the same data, from `{shown}`"
            + (f" ({run})" if run else "") + ": "
            + ", ".join(b for b in bits if b) + ". Mean ± standard deviation over seeds, on the test split; "
            "training time is fitting only.")


def experiment_table(rows: list[dict]) -> str:
    def pct(mean, std):
        if mean is None:
            return "n/a"
        return f"{100 * mean:.1f} ± {100 * (std or 0):.1f}"

    body = []
    for r in rows:
        params, epochs = r.get("params"), r.get("epochs_mean")
        missing = "n/a (baseline)" if r.get("kind") == "baseline" else "n/a"
        body.append([
            str(r["task"]), str(r["model"]), pct(r.get("accuracy_mean"), r.get("accuracy_std")),
            pct(r.get("macro_f1_mean"), r.get("macro_f1_std")),
            f"{r['train_seconds_mean']:.1f}" if r.get("train_seconds_mean") is not None else "n/a",
            f"{epochs:.1f}" if epochs is not None else missing,
            thousands(params) if params is not None else missing,
            str(r.get("n_seeds", "n/a")),
        ])
    return markdown_rows(["task", "model", "accuracy (%)", "macro-F1 (%)", "train time (s)", "epochs",
                          "parameters", "seeds"], body, "llrrrrrr")

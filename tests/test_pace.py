"""The pace of one source: each booking, its window, pauses, late wake-ups and the shared file,
on clocks that only move when told (no real waiting)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from survey.pace import _HORIZON, LATE, MARGIN, RateLimiter, machine_dir, server_key, window_for


class Clock:
    """Reads ``start``, then moves only when slept on, by what was asked plus ``oversleep``."""

    def __init__(self, start: float = 1000.0, oversleep: float = 0.0):
        self.now, self.oversleep = start, oversleep
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds + self.oversleep


class Script:
    """A clock that reads the given values in turn (the last one from then on)."""

    def __init__(self, *values: float):
        self.values, self.reads = list(values), 0

    def __call__(self) -> float:
        self.reads += 1
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


def limiter(rate, clock, **kw) -> RateLimiter:
    kw.setdefault("margin", 0.0)
    return RateLimiter(rate, clock=clock, sleep=getattr(clock, "sleep", None) or (lambda s: None), **kw)


@pytest.mark.parametrize(("rate", "window"), [(1, (1, 1.0)), (1.5, (1, 1.0)), (2, (2, 1.0)), (0.5, (1, 2.0))])
def test_windows_around_one_per_second(rate, window):
    assert window_for(rate) == window


def test_an_unlimited_limiter_never_waits_nor_keeps_a_log():
    clock = Clock()
    pace = limiter(None, clock)
    assert [pace.reserve() for _ in range(3)] == [(1000.0, 0.0)] * 3
    assert pace.acquire() == 0.0 and clock.slept == []
    assert pace.window is None


def test_bookings_follow_the_window_plus_the_margin():
    clock = Clock()
    pace = limiter(2, clock, margin=MARGIN)
    booked = [pace.reserve() for _ in range(5)]
    assert [slot for slot, _ in booked] == pytest.approx([1000.0, 1000.0, 1001.05, 1001.05, 1002.1])
    assert [wait for _, wait in booked] == pytest.approx([0.0, 0.0, 1.05, 1.05, 2.1])


def test_a_released_booking_is_handed_out_again():
    pace = limiter(1, Clock())
    assert pace.reserve() == (1000.0, 0.0)
    pace.release(1000.0)
    pace.release(999.0)  # never booked: nothing to give back
    assert pace.reserve() == (1000.0, 0.0)
    assert pace.reserve() == (1001.0, 1.0)


def test_acquire_sleeps_only_for_a_positive_wait_and_says_how_long():
    clock = Clock()
    pace = limiter(2, clock, margin=0.5)
    assert [pace.acquire() for _ in range(3)] == [0.0, 0.0, 1.5]
    assert clock.slept == [1.5]


def test_a_wait_under_a_second_is_slept_too():
    clock = Clock()
    pace = limiter(4, clock, margin=0.0)
    for _ in range(4):
        pace.acquire()
    pace.pause(0.5)
    assert pace.acquire() == 1.0 and clock.slept == [1.0]
    clock2 = Clock()
    pace2 = limiter(100, clock2)
    pace2.pause(0.5)
    assert pace2.acquire() == 0.5 and clock2.slept == [0.5]


def test_a_caller_woken_late_books_again_rather_than_send_late():
    clock = Clock(oversleep=0.1)  # a loaded machine: every sleep overruns by 0.1 s
    pace = limiter(1, clock)
    assert pace.acquire() == 0.0
    assert pace.acquire() == pytest.approx(1.1)  # slept to 1001.0, woke at 1001.1, booked 1001.1 instead
    assert pace.reserve() == (pytest.approx(1002.1), pytest.approx(1.0))
    assert clock.slept == [1.0]


def test_woken_exactly_at_the_allowance_is_in_time():
    clock = Script(0.0, 0.0, LATE, 0.5)  # started, booked at 0, checked at LATE, then the total
    pace = limiter(1, clock)
    assert pace.acquire() == 0.5
    assert clock.reads == 4
    assert pace.reserve()[0] == 1.0  # the booking at 0 stands


def test_woken_at_the_allowance_is_in_time_at_any_hour():
    clock = Script(1000.0, 1000.0, 1000.0 + LATE, 1000.5)
    pace = limiter(1, clock)
    assert pace.acquire() == 0.5 and clock.reads == 4


def test_a_limiter_without_a_file_locks_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pace = RateLimiter(5)
    pace.reserve()
    pace.pause(0.0)
    assert list(tmp_path.iterdir()) == []


def test_a_caller_late_every_time_gives_up_rebooking_after_five_tries_and_keeps_its_last_booking():
    # Every read of this clock is 1 s after the one before: each booking is late when checked.
    reads = iter(range(1000, 2000))
    pace = limiter(0.01, lambda: float(next(reads)))  # one send per 100 s
    pace.acquire()
    # started 1000; five rounds of booking then checking (1001/1002 ... 1009/1010), each released
    # but the last; the total read at 1011.
    assert pace.reserve() == (1109.0, 97.0)  # the last booking (at 1009) holds the window


def test_a_pause_holds_sends_and_a_shorter_one_never_shortens_it():
    clock = Clock()
    pace = limiter(100, clock)
    pace.pause(10)
    pace.pause(5)
    assert pace.reserve() == (1010.0, 10.0)


def test_no_booking_or_pause_reaches_beyond_the_horizon():
    clock = Clock()
    pace = limiter(100, clock)
    pace.pause(2 * _HORIZON)
    assert pace.reserve() == (1000.0 + _HORIZON, _HORIZON)


def test_a_log_from_a_clock_set_back_is_forgotten_but_one_at_the_horizon_is_kept(tmp_path):
    path = tmp_path / "pace.json"
    path.write_text(json.dumps({"sends": [1000.0 + _HORIZON + 0.5], "paused_until": 0.0}), encoding="utf-8")
    assert limiter(1, Clock(), path=path).reserve() == (1000.0, 0.0)
    path.write_text(json.dumps({"sends": [1000.0 + _HORIZON], "paused_until": 0.0}), encoding="utf-8")
    assert limiter(1, Clock(), path=path).reserve() == (1000.0 + _HORIZON + 1.0, _HORIZON + 1.0)


def test_bookings_stay_in_order_when_another_process_booked_further_ahead(tmp_path):
    path = tmp_path / "pace.json"
    clock = Clock()
    slow, fast = limiter(1, clock, path=path), limiter(10, clock, path=path)
    assert [slow.reserve()[0] for _ in range(3)] == [1000.0, 1001.0, 1002.0]
    assert fast.reserve()[0] == 1002.0
    assert json.loads(path.read_text(encoding="utf-8"))["sends"] == [1000.0, 1001.0, 1002.0, 1002.0]


def test_slow_down_lowers_the_rate_by_its_factor_to_its_floor():
    pace = limiter(10, Clock())
    pace.slow_down()
    assert pace.rate == 8.0 and pace.configured_rate == 10
    pace.slow_down(0.5)
    assert pace.rate == 4.0
    pace.slow_down(0.5, floor=0.3)
    assert pace.rate == 3.0
    unlimited = limiter(None, Clock())
    unlimited.slow_down()
    assert unlimited.rate is None


def test_a_fresh_limiter_has_no_pause_even_at_time_zero():
    assert limiter(1, Script(0.0)).reserve() == (0.0, 0.0)


def test_the_shared_file_lives_where_asked_with_its_lock_beside_it(tmp_path):
    path = tmp_path / "a" / "b" / "openalex.json"
    pace = RateLimiter(5, path=str(path))
    assert pace.clock is time.time  # processes share wall-clock time only
    assert RateLimiter(5).clock is time.monotonic
    assert path.parent.is_dir()
    pace.reserve()
    RateLimiter(5, path=path)  # a second one on the same file: the folder already exists
    assert sorted(p.name for p in path.parent.iterdir()) == ["openalex.json", "openalex.json.lock"]
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["paused_until"] == 0.0 and len(saved["sends"]) == 1


def test_the_shared_log_keeps_the_last_256_sends(tmp_path):
    path = tmp_path / "pace.json"
    pace = limiter(1000, Clock(), path=path)
    for _ in range(300):
        pace.reserve()
    assert len(json.loads(path.read_text(encoding="utf-8"))["sends"]) == 256


@pytest.mark.parametrize(
    ("content", "slot"),
    [
        ("", 0.0),
        ("{torn", 0.0),
        ('{"paused_until": 7.0}', 7.0),
        ('{"sends": [0.0]}', 1.0),
        ('{"sends": []}', 0.0),
        ('["not", "an", "object"]', 0.0),
    ],
)
def test_what_a_shared_file_holds_is_read_back(tmp_path, content, slot):
    path = tmp_path / "pace.json"
    path.write_text(content, encoding="utf-8")
    assert limiter(1, Script(0.0), path=path).reserve()[0] == slot


@pytest.mark.parametrize(("one", "other"), [
    ("http://127.0.0.1:8080/oa", "http://localhost:8080"),
    ("http://[::1]:8080", "http://LOCALHOST:8080/x"),
    ("https://api.openalex.org", "HTTPS://API.OpenAlex.org.:443/works"),
    ("http://api.example.org:80", "http://api.example.org"),
    ("http://app.localhost:8080", "http://127.0.0.1:8080"),
])
def test_spellings_of_one_server_share_a_key(one, other):
    assert server_key(one) == server_key(other)


@pytest.mark.parametrize(("one", "other"), [
    ("http://127.0.0.1:8080", "http://127.0.0.1:8081"),
    ("http://api.example.org", "https://api.example.org"),
    ("https://api.openalex.org", "https://api.crossref.org"),
    ("ftp://mirror.example.org", "ftp://mirror.example.org:1"),  # a scheme with no default port
])
def test_other_servers_get_other_keys(one, other):
    assert server_key(one) != server_key(other)


def test_a_key_reads_as_its_documented_form():
    # The key names the pace file (hashed): its form is what the docstring promises.
    assert server_key("HTTPS://API.OpenAlex.org./works") == "https://api.openalex.org:443"
    assert server_key("http://[::1]:8080/x") == "http://loopback:8080"


def test_a_shared_file_lock_held_elsewhere_holds_the_booking(tmp_path):
    # Another process booking from the same file holds an flock on its .lock file (filelock's
    # Unix lock); this limiter must wait for it rather than read a log being written.
    import fcntl
    import threading

    path = tmp_path / "pace.json"
    pace = limiter(1, Clock(), path=path)
    booked = threading.Event()
    with open(str(path) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: (pace.reserve(), booked.set()))
        worker.start()
        try:
            assert not booked.wait(0.3)
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(5)
    assert booked.is_set()


def test_a_limiter_with_a_file_writes_only_beside_it(tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = tmp_path / "pace" / "p.json"
    pace = limiter(1, Clock(), path=path)
    assert (tmp_path / "pace" / "p.json.lock").exists()  # made at once: an unwritable folder shows now
    pace.reserve()
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["p.json", "p.json.lock"]


def test_a_pace_file_that_cannot_be_written_keeps_this_process_paced(tmp_path, monkeypatch):
    # A full disk refuses the temporary file before it exists: nothing to clean up, no error.
    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    clock = Clock()
    pace = limiter(1, clock, path=tmp_path / "pace.json")
    monkeypatch.setattr(Path, "write_text", full)
    assert pace.reserve() == (1000.0, 0.0)
    assert pace.reserve() == (1001.0, 1.0)
    pace.pause(10.0)
    assert pace.reserve() == (1010.0, 10.0)
    assert list(tmp_path.iterdir()) == [tmp_path / "pace.json.lock"]
    monkeypatch.undo()  # the disk has room again: the file gets every booking this process kept
    assert pace.reserve() == (1011.0, 11.0)
    assert json.loads((tmp_path / "pace.json").read_text(encoding="utf-8")) == {
        "sends": [1000.0, 1001.0, 1010.0, 1011.0], "paused_until": 1010.0}


def test_the_pace_folder_is_per_user_not_per_home(tmp_path):
    assert machine_dir({"SURVEY_PACE_DIR": str(tmp_path)}) == tmp_path
    assert machine_dir({"XDG_CACHE_HOME": str(tmp_path / "c")}) == tmp_path / "c" / "survey" / "pace"
    assert machine_dir({}) == Path.home() / ".cache" / "survey" / "pace"


def test_two_homes_and_two_spellings_share_one_pace(tmp_path):
    from survey.config import Settings
    from survey.sources.openalex import OpenAlexSource

    env = {"SURVEY_PACE_DIR": str(tmp_path / "pace"), "SURVEY_OPENALEX_RPS": "10"}
    a = OpenAlexSource.from_settings(Settings(home=tmp_path / "a", env={**env, "SURVEY_OPENALEX_URL": "http://127.0.0.1:9"}))
    b = OpenAlexSource.from_settings(Settings(home=tmp_path / "b", env={**env, "SURVEY_OPENALEX_URL": "http://localhost:9/"}))
    assert a.http.limiter.path == b.http.limiter.path
    booked = [(a if i % 2 else b).http.limiter.reserve()[0] for i in range(30)]
    per_second = max(sum(1 for t in booked if start <= t < start + 1) for start in booked)
    assert per_second == 10


def test_a_pace_folder_that_cannot_be_written_keeps_the_pace_in_the_process(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    pace = RateLimiter(5, path=blocker / "pace" / "s.json")
    assert pace.path is None and pace.acquire() < 0.5

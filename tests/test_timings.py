"""report/timings.py: the steps of a command, timed only when MONITOR_TIMINGS names a file."""

from __future__ import annotations

import json

from report import timings


def test_steps_are_written_with_what_they_say_and_a_step_inside_another_is_part_of_it(tmp_path, monkeypatch):
    log = tmp_path / "timings.json"
    monkeypatch.setenv(timings.ENV, str(log))
    monkeypatch.setattr(timings, "_rows", [])
    monkeypatch.setattr(timings, "COMMAND", {"started": 0.0, "served": True})
    with timings.step("build") as said:
        with timings.step("status (final gate)"):
            pass
        said["figures"] = 2
    with timings.step("render"):
        pass
    timings.write()
    rows = json.loads(log.read_text(encoding="utf-8"))
    assert [r["stage"] for r in rows] == ["start-up and imports", "build", "render"]
    assert rows[0]["served"] is True and rows[0]["wall"] > 1e6  # since the epoch: started at 0
    assert rows[1]["figures"] == 2
    assert all(r["cpu"] >= 0 and r["peak"] > 0 for r in rows)
    assert rows[2]["cpu"] >= rows[1]["cpu"]  # CPU so far, as the benchmark subtracts it


def test_without_the_variable_nothing_is_measured_or_written(tmp_path, monkeypatch):
    monkeypatch.delenv(timings.ENV, raising=False)
    monkeypatch.setattr(timings, "_rows", [])
    with timings.step("build") as said:
        said["figures"] = 1
    timings.write()
    assert timings._rows == [] and not list(tmp_path.iterdir())

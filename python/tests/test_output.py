"""What a worker prints: one JSON object per record under GAIA_LOG_FORMAT=json, each job's lines
tagged with its id and kept as its log, `logging` at its own level."""
import io
import json
import logging
import traceback

from gaia_worker.output import MAX_LINES, JobLog, Lines, LogHandler


def records(target: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in target.getvalue().splitlines()]


def JsonLines(target: io.StringIO, level: str) -> Lines:  # noqa: N802 - the shape the tests below were written for
    return Lines(target, level, JobLog(json_mode=True))


def test_one_print_is_one_record_even_with_newlines_inside():
    target = io.StringIO()
    out = JsonLines(target, "info")
    print("a\nb", file=out)
    print("c", file=out)
    assert [(r["level"], r["message"]) for r in records(target)] == [("info", "a\nb"), ("info", "c")]
    assert all(set(r) == {"time", "level", "message"} for r in records(target))


def test_a_traceback_printed_piece_by_piece_is_one_record():
    target = io.StringIO()
    err = JsonLines(target, "error")
    try:
        raise KeyError("k")
    except KeyError:
        traceback.print_exc(file=err)
    print("after", file=err)
    got = records(target)
    assert len(got) == 2
    assert got[0]["message"].startswith("Traceback (most recent call last):\n")
    assert got[0]["message"].endswith("KeyError: 'k'")
    assert got[1]["message"] == "after"


def test_flush_writes_what_is_pending():
    target = io.StringIO()
    out = JsonLines(target, "info")
    out.write("no newline yet")
    assert target.getvalue() == ""
    out.flush()
    assert records(target)[0]["message"] == "no newline yet"


def test_a_jobs_lines_carry_its_id_and_leave_as_one_log_frame_at_its_end():
    sent: list[dict] = []
    log = JobLog(json_mode=True, send=sent.append)
    target = io.StringIO()
    out = Lines(target, "info", log)
    print("before", file=out)
    log.begin("j1", 2)
    print("inside", file=out)
    log.end()
    print("after", file=out)
    got = records(target)
    assert [(r.get("job_id"), r["message"]) for r in got] == [(None, "before"), ("j1", "inside"), (None, "after")]
    assert [(f["id"], f["attempt"], [l["line"] for l in f["lines"]]) for f in sent] == [("j1", 2, ["inside"])]


def test_text_lines_of_a_job_name_it_and_their_level():
    log = JobLog(json_mode=False)
    target = io.StringIO()
    log.begin("j7", 1)
    log.emit("info", "plain", target)
    log.emit("warn", "careful", target)
    assert target.getvalue().splitlines() == ["[job j7] plain", "[job j7] WARN: careful"]


def test_logging_keeps_its_level():
    target = io.StringIO()
    logger = logging.getLogger("gaia-test-levels")
    logger.propagate = False
    logger.addHandler(LogHandler(JobLog(json_mode=True), target))
    logger.setLevel(logging.DEBUG)
    logger.info("an info")
    logger.warning("a warning")
    logger.error("an error")
    assert [(r["level"], r["message"]) for r in records(target)] == [("info", "an info"), ("warn", "a warning"), ("error", "an error")]


def test_a_job_keeps_at_most_its_bound_and_says_how_many_were_left_out():
    sent: list[dict] = []
    log = JobLog(json_mode=False, send=sent.append)
    target = io.StringIO()
    log.begin("j1", 1)
    for i in range(MAX_LINES + 5):
        log.emit("info", f"line {i}", target)
    log.end()
    lines = [l["line"] for f in sent for l in f["lines"]]
    assert len(lines) == MAX_LINES + 1
    assert lines[-1].startswith("… 5 more line(s) not kept")
    assert len(target.getvalue().splitlines()) == MAX_LINES + 5  # the output keeps every line

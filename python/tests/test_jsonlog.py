"""GAIA_LOG_FORMAT=json: the wrapper around stdout and stderr writes one JSON object per record."""
import io
import json
import traceback

from gaia_worker.jsonlog import JsonLines


def records(target: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in target.getvalue().splitlines()]


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

"""gaia_worker.aio against a real gaia: the sync client's surface, with coroutines."""
from __future__ import annotations

import asyncio

import pytest

from gaia_server import gaia  # noqa: F401 - the fixture
from gaia_worker import GaiaError, JobCancelled, JobFailed
from gaia_worker.aio import AsyncClient

WAIT_S = 30.0


def run(coro):
    """Runs a test coroutine, bounded: a hang fails the test instead of the suite."""
    return asyncio.run(asyncio.wait_for(coro, WAIT_S * 2))


def test_submit_result_and_many_at_once(gaia):  # noqa: F811
    async def body():
        async with AsyncClient(gaia.socket) as client:
            job = await client.submit("cl.square", 9)
            assert await job.result(timeout=WAIT_S) == 81 and job.state == "succeeded"
            jobs = await asyncio.gather(*(client.submit("cl.square", n) for n in range(20)))
            assert await asyncio.gather(*(j.result(timeout=WAIT_S) for j in jobs)) == [n * n for n in range(20)]
            batch = await client.submit_many([("cl.noop", n) for n in range(50)])
            assert [await j.result(timeout=WAIT_S) for j in batch] == list(range(50))
            assert (await client.job(job.id)).view["result"] == 81
            assert await client.call("cl.square", 4, timeout=WAIT_S) == 16

    run(body())


def test_failures_timeouts_and_cancels(gaia):  # noqa: F811
    async def body():
        async with AsyncClient(gaia.socket) as client:
            with pytest.raises(JobFailed) as caught:
                await (await client.submit("cl.divide", 0)).result(timeout=WAIT_S)
            assert caught.value.type == "ZeroDivisionError" and "client_tasks.py" in caught.value.traceback
            slow = await client.submit("cl.sleep", 3)
            with pytest.raises(asyncio.TimeoutError):
                await slow.result(timeout=0.2)
            assert await slow.cancel() is True
            with pytest.raises(JobCancelled):
                await slow.result(timeout=WAIT_S)
            with pytest.raises(GaiaError) as refused:
                await client.submit("no.such.task")
            assert refused.value.code == "unknown_task"

    run(body())


def test_events_of_a_job(gaia):  # noqa: F811
    async def body():
        async with AsyncClient(gaia.socket) as client:
            stream = await client.events()  # subscribed before the job is submitted
            job = await client.submit("cl.progress", {"steps": 3})
            kinds = []
            async for event in stream:
                if event.data.get("job_id") == job.id:
                    kinds.append(event.kind)
                    if event.kind == "job.finished":
                        break
            await stream.aclose()
            assert kinds[0] == "job.queued" and kinds[-1] == "job.finished"
            async for event in client.events(job=job.id, last_event_id=0):
                assert event.kind == "events.gap" or event.data.get("job_id") == job.id
                break

    run(body())


@pytest.mark.parametrize("same_host", [True, False])
def test_arrays_both_ways(gaia, same_host):  # noqa: F811
    np = pytest.importorskip("numpy")

    async def body():
        async with AsyncClient(gaia.socket, same_host=same_host) as client:
            x = np.arange(64 * 1024, dtype=np.float64).reshape(256, 256)
            job = await client.submit("cl.scale", {"k": -1}, arrays={"x": x})
            assert (await job.result(timeout=WAIT_S))["sum"] == float(x.sum())
            y = (await job.result_arrays())["y"]
            assert np.array_equal(y, -x) and not y.flags.writeable
            left = {a["name"] for a in (await client.arrays.list())["arrays"] if a["job"] is None}
            assert not left & set((job.view.get("arrays") or {}).values()), "the stored input was deleted"

    run(body())

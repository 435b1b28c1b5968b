"""The extraction feed: pages reach a real worker process in batches and come back to the right page; a worker that
dies fails only the pages it held, and the next pages get a new one."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler import extract_worker


def _page(i: int) -> tuple[bytes, str, str]:
    body = (f"<html><head><title>第{i}号通知</title></head><body><article><h1>第{i}号通知</h1>"
            f"<p>各地区各部门要认真贯彻落实第{i}号通知精神，结合实际抓好落实，确保各项任务按期完成。</p>"
            f"<p>本通知自印发之日起施行，由第{i}号文件的起草单位负责解释，执行中的问题及时报告。</p>"
            "</article></body></html>").encode()
    return body, f"http://127.0.0.1/art/{i}.html", "utf-8"


@pytest.fixture
def feed():  # noqa: ANN201
    yield extract_worker.Feed(extract_worker.Job(), workers=1, batch=4)
    extract_worker.shutdown_pool()


def test_every_page_comes_back_to_its_own_future(feed) -> None:  # noqa: ANN001
    async def run() -> list:
        return await asyncio.gather(*(feed.extract(*_page(i)) for i in range(30)))

    results = asyncio.run(run())
    for i, (extraction, prepared) in enumerate(results):
        assert f"第{i}号通知精神" in extraction.text
        assert extraction.text == extract_worker.extract_html(*_page(i), None)[0].text
        assert prepared is not None and prepared.signature


def test_a_killed_worker_fails_its_pages_and_is_replaced(feed) -> None:  # noqa: ANN001
    async def run() -> tuple[list, list]:
        await feed.extract(*_page(0))  # the worker is up
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
        lost = await asyncio.gather(*(feed.extract(*_page(i)) for i in range(1, 4)), return_exceptions=True)
        later = await asyncio.gather(*(feed.extract(*_page(i)) for i in range(4, 8)), return_exceptions=True)
        return lost, later

    lost, later = asyncio.run(run())
    # the first page after the kill was in the dead worker's hands; the others either were too or got the new worker
    assert isinstance(lost[0], BrokenProcessPool)
    assert all(isinstance(r, BrokenProcessPool) or f"第{i}号通知精神" in r[0].text for i, r in enumerate(lost, 1))
    assert all(not isinstance(r, Exception) and f"第{i}号通知精神" in r[0].text for i, r in enumerate(later, 4)), later


def test_batches_are_bounded_in_pages_and_bytes(feed) -> None:  # noqa: ANN001
    feed.batch, feed.batch_bytes = 4, 1000
    loop = asyncio.new_event_loop()
    feed._pending = [((b"x" * size, f"http://127.0.0.1/{i}", None), loop.create_future())
                     for i, size in enumerate([400, 400, 400, 5000, 10, 10, 10, 10, 10])]
    sizes = []
    while feed._pending:
        n = feed._next_batch()
        sizes.append(n)
        feed._pending = feed._pending[n:]
    loop.close()
    assert sizes == [2, 1, 1, 4, 1]  # 400+400 fit 1000; a 5000-byte page goes alone; then 4 small ones


def test_a_page_running_past_its_time_fails_alone_with_the_reason() -> None:
    """A real worker, a real timer: with an impossible per-page limit every page is stopped and says why; the
    worker itself stays up for the next batch."""
    feed = extract_worker.Feed(extract_worker.Job(page_seconds=0.000_001), workers=1, batch=2)
    try:
        async def run() -> list:
            return await asyncio.gather(*(feed.extract(*_page(i)) for i in range(3)), return_exceptions=True)

        results = asyncio.run(run())
        assert all(isinstance(r, extract_worker.ExtractionFailed) for r in results), results
        assert all("took longer than 1e-06 s; stopped" in str(r) for r in results)
        feed.job = extract_worker.Job()
        again = asyncio.run(run())
        assert all(not isinstance(r, Exception) for r in again), again
    finally:
        extract_worker.shutdown_pool()


_HOLDER = """
import multiprocessing, sys, time
from crawler import extract_worker
extract_worker.start_pool(2)
while not extract_worker.pool_ready():
    time.sleep(0.05)
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see the workers")
def test_workers_end_when_the_crawl_process_is_killed() -> None:
    """A crawl killed at its time limit (SIGKILL) must not leave its extraction workers behind, holding ~150 MiB each."""
    import subprocess
    import sys
    import time

    holder = subprocess.Popen([sys.executable, "-c", _HOLDER], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in holder.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), pids

"""Writing the months of a world on several processes: each worker writes an interleaved share of the months and
hands back what the ground truth needs; results come back in month order, so the output does not depend on how
many workers wrote it."""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from msdw.generate.deliver import MonthResult, deliver_month
from msdw.generate.faults import FaultRates
from msdw.generate.plan import Plan
from msdw.generate.world import World
from msdw.generate.writers import Writer

MAX_WORKERS = 4
PARALLEL_FROM = 60.0  # scale x months: smaller jobs are written on one process (starting workers costs seconds)


def worker_count(scale: float, months: int, requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    if scale * months < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def deliver_months(
    world: World,
    faults: FaultRates,
    plans: dict[int, list[Plan]],
    inbox: Path,
    later: Path,
    workers: int,
    on_month: Callable[[int], None],
) -> Iterator[MonthResult]:
    """Write every month of ``plans``; yields each month's result in month order."""
    months = sorted(plans)
    if workers <= 1 or len(months) < 2:
        writer = Writer(world, faults)
        for month in months:
            result = deliver_month(world, writer, month, plans[month], inbox, later)
            on_month(month)
            yield result
        return
    shares = [months[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        done = manager.Queue()
        futures = [
            pool.submit(_write_share, world, faults, {m: plans[m] for m in share}, inbox, later, done)
            for share in shares
            if share
        ]
        reported = 0
        while reported < len(months):
            try:
                month = done.get(timeout=1.0)
            except queue.Empty:
                for future in futures:
                    if future.done():
                        future.result()  # a worker that failed raises its error here
                continue
            on_month(month)
            reported += 1
        results = sorted((r for f in futures for r in f.result()), key=lambda r: r.month)
    yield from results


def _write_share(
    world: World, faults: FaultRates, plans: dict[int, list[Plan]], inbox: Path, later: Path, done: queue.Queue
) -> list[MonthResult]:
    writer = Writer(world, faults)
    results = []
    for month in sorted(plans):
        results.append(deliver_month(world, writer, month, plans[month], inbox, later))
        done.put(month)
    return results

"""Where work runs: one interface over in-process, a local process pool, or a Dask cluster.

Every executor maps a picklable top-level function over picklable items and yields results
as they complete (order is not kept). The number of tasks in flight is bounded, so a
million-page run never holds a million futures. A worker that dies takes its tasks with it:
the pool is rebuilt and those tasks are retried once (Dask retries by itself); a task that
kills its worker twice is reported through ``on_lost`` instead of stopping the run.

Ctrl-C (SIGINT) is the main process's alone: pool workers ignore it, and when the run is
interrupted (or its consumer stops early) the pool's workers are terminated at once — no
task still queued or running finishes — before the interruption goes on up to the caller.
A main process killed outright (``kill -9``) takes its pool workers with it: each watches
the process that made the pool and ends when it ends.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def init_worker() -> None:
    """One thread per process for OpenCV: parallelism comes from processes, not threads."""
    import cv2

    cv2.setNumThreads(1)
    _keep_heap()


def init_pool_worker(owner: int | None = None) -> None:
    """A pool worker: Ctrl-C at the terminal reaches the whole process group, but stopping
    is the main process's decision (it terminates the workers), never a half-done task's.
    When the process that made the pool (``owner``) dies without stopping it — ``kill -9``,
    a power cut of the coordinator — the worker ends too (``_exit_with``): its result would
    go nowhere, and an idle orphan holds memory and a database connection."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if owner is not None:
        _exit_with(owner)
    init_worker()


def _exit_with(owner: int) -> None:
    """End this process as soon as process ``owner`` has ended (a daemon thread waits on it:
    a pidfd where the system has one, else a check every second)."""
    import threading

    def wait_pidfd(fd: int) -> None:
        import select

        select.select([fd], [], [])  # readable once the process has ended
        os._exit(1)

    def poll() -> None:
        import time

        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid was taken by another user's process
                os._exit(1)
            time.sleep(1.0)

    try:
        fd = os.pidfd_open(owner)
    except (AttributeError, OSError):
        try:
            os.kill(owner, 0)
        except OSError:
            os._exit(1)  # gone already
        threading.Thread(target=poll, name="dangan-owner-watch", daemon=True).start()
        return
    threading.Thread(target=wait_pidfd, args=(fd,), name="dangan-owner-watch",
                     daemon=True).start()


def _keep_heap() -> None:
    """Let glibc keep freed page-sized buffers instead of unmapping and faulting them back in.

    Every page allocates the same few 5–15 MB arrays; by default glibc maps each with mmap
    and returns it on free, so every page pays for zeroing fresh memory (≈ 10 % of the time).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 64 * 1024 * 1024)  # M_TOP_PAD
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD (glibc's maximum)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop every worker of ``pool`` now: queued tasks are dropped, running ones killed."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)


class Executor(Protocol):
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any],
                      on_lost: Callable[[Any, BaseException], Any] | None = None
                      ) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """Run tasks one after another in this process (one page, tests, debugging)."""

    workers = 1

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:
        init_worker()
        for item in items:
            yield fn(item)

    def close(self) -> None:
        return None


class PoolExecutor:
    """A local process pool (all cores by default)."""

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_in_flight = max_in_flight or 4 * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing as mp

        return ProcessPoolExecutor(self.workers, mp_context=mp.get_context("forkserver"),
                                   initializer=init_pool_worker, initargs=(os.getpid(),))

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:
        finished = False
        try:
            yield from self._map(fn, items, on_lost)
            finished = True
        finally:
            if not finished:  # interrupted (Ctrl-C), an error, or the consumer stopped
                self.terminate()

    def terminate(self) -> None:
        """Stop every worker now: queued tasks are dropped, running ones killed."""
        pool, self._pool = self._pool, None
        if pool is not None:
            terminate_pool(pool)

    def _map(self, fn: Callable[[T], R], items: Iterable[T],
             on_lost: Callable[[T, BaseException], R] | None) -> Iterator[R]:
        pool = self._pool = self._pool or self._new_pool()
        source = iter(items)
        pending: dict[Future[R], tuple[T, int]] = {}
        retry: list[tuple[T, int]] = []
        exhausted = False
        while True:
            while len(pending) < self.max_in_flight and (retry or not exhausted):
                if retry:
                    item, tries = retry.pop()
                else:
                    try:
                        item, tries = next(source), 0
                    except StopIteration:
                        exhausted = True
                        break
                pending[pool.submit(fn, item)] = (item, tries)
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                item, tries = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool as exc:
                    broken = True
                    if tries >= 1:
                        if on_lost is None:
                            raise
                        yield on_lost(item, exc)
                    else:
                        retry.append((item, tries + 1))
            if broken:
                # Every task still pending died with the pool: run them again on a new one.
                retry.extend((item, tries) for item, tries in pending.values())
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = self._pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class DaskExecutor:
    """Tasks on a Dask distributed cluster (``dask scheduler`` + ``dask worker`` per PC)."""

    def __init__(self, address: str | Any, max_in_flight: int | None = None) -> None:
        from distributed import Client

        self._own = isinstance(address, str)
        self.client = _connect(Client, address) if isinstance(address, str) else address
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        self.max_in_flight = max_in_flight or 4 * self.workers

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:

        source = iter(items)
        futures: dict[Any, T] = {}
        for item in source:
            futures[self.client.submit(_in_worker, fn, item, pure=False)] = item
            if len(futures) >= self.max_in_flight:
                break
        try:
            yield from self._drain(fn, source, futures, on_lost)
        except BaseException:  # interrupted: nothing of this run keeps running on the cluster
            self.client.cancel(list(futures))
            raise

    def _drain(self, fn: Callable[[T], R], source: Iterator[T], futures: dict[Any, T],
               on_lost: Callable[[T, BaseException], R] | None) -> Iterator[R]:
        from distributed import as_completed

        queue = as_completed(list(futures))
        for fut in queue:
            item = futures.pop(fut)
            try:
                yield fut.result()
            except Exception as exc:  # a task that killed its workers too often
                if on_lost is None:
                    raise
                yield on_lost(item, exc)
            nxt = next(source, None)
            if nxt is not None:
                new = self.client.submit(_in_worker, fn, nxt, pure=False)
                futures[new] = nxt
                queue.add(new)

    def close(self) -> None:
        if self._own:
            self.client.close()


def _in_worker(fn: Callable[[T], R], item: T) -> R:
    init_worker()
    return fn(item)


def _connect(client: Callable[..., Any], address: str) -> Any:
    """A client of the scheduler at ``address``; one that cannot be reached (nothing listens,
    a wrong host, a firewall: Dask's connect timeout) is ``compute.scheduler_unreachable``
    naming the address (exit 11, as an unreachable database), never an internal error."""
    from dangan.errors import StorageError

    try:
        _refuse_nothing_listening(address)
        return client(address)
    except OSError as exc:  # TimeoutError and refused connections are OSErrors
        raise StorageError("compute.scheduler_unreachable", address=address,
                           detail=str(exc) or type(exc).__name__) from exc


def _refuse_nothing_listening(address: str, attempts: int = 3, pause: float = 0.5) -> None:
    """Dask retries a refused connection until its connect timeout (30 s by default), though
    nothing listens: a TCP address is tried here first, and a connection refused (or a host
    that does not resolve) on every one of a few quick attempts ends the wait at once. An
    address that accepts — a scheduler slow to answer included — or that does not answer at
    all (a firewall dropping packets) gets Dask's full connect timeout."""
    import socket
    import time

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except ValueError:
        return  # Dask says what is wrong with the address
    for attempt in range(attempts):
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return
        except (ConnectionRefusedError, socket.gaierror):
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
        except OSError:
            return  # no answer (or no route yet): Dask's own connect timeout decides


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the CLI asks for: Dask with a scheduler address, else a pool or in-process."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers == 1:
        return InProcessExecutor()
    return PoolExecutor(workers)

"""Preparing snapshot batches ahead of the writer, in worker processes or in-process.

Decoding JSON, checking and normalising text is most of an import's CPU time; the database
writes are a small part. So `spawn`ed workers (never forked: a forked child would share the
parent's database sockets) each read the database through their own read-only engine and turn
blocks of raw lines into `PreparedBatch`es, while the parent only writes, in file order. At most
`workers + 1` blocks are in flight, which bounds memory.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from app.db import make_engine
from app.ingest.snapshot import NameCache, SnapshotLineError, read_snapshot_line
from app.ingest.snapshot_prepare import PreparedBatch, prepare_batch


@dataclass(frozen=True)
class Block:
    """Consecutive raw lines of the file, and where the file stands after them."""

    first_line: int
    lines: list[bytes]
    end_offset: int  # of the decompressed stream
    end_line: int


def prepare_block(
    connection: Connection, block: Block, source_id: int, names: NameCache, now: datetime
) -> PreparedBatch:
    """Check every line of a block, then sort the good ones out against the database."""
    checked, malformed = [], []
    for number, line in enumerate(block.lines, start=block.first_line):
        if not line.strip():
            continue
        try:
            checked.append((number, read_snapshot_line(line)))
        except SnapshotLineError as error:
            malformed.append((number, str(error)))
    batch = prepare_batch(connection, checked, source_id, names, now)
    batch.malformed = sorted(malformed + batch.malformed)
    return batch


def prepared_batches(
    engine: Engine,
    connection: Connection,
    blocks: Iterable[Block],
    source_id: int,
    workers: int,
    now: datetime,
) -> Iterator[tuple[Block, PreparedBatch]]:
    """Blocks with their prepared batches, in file order; `workers` 0 prepares in-process on
    `connection` (between the caller's transactions)."""
    if workers < 1:
        names = NameCache()
        for block in blocks:
            with connection.begin():
                batch = prepare_block(connection, block, source_id, names, now)
            yield block, batch
        return
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, initializer=_start_worker, initargs=(url, source_id, now))
    try:
        pending: deque = deque()
        for block in blocks:
            pending.append((block, pool.apply_async(_prepare_in_worker, (block,))))
            if len(pending) > workers:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
    finally:
        pool.terminate()
        pool.join()


_WORKER: dict = {}


def _start_worker(url: str, source_id: int, now: datetime) -> None:
    # Read-only: SQLite readers begin deferred transactions and never queue on the write lock.
    engine = make_engine(url, read_only=True)
    _WORKER.update(engine=engine, source_id=source_id, names=NameCache(), now=now)


def _prepare_in_worker(block: Block) -> PreparedBatch:
    with _WORKER["engine"].connect() as connection, connection.begin():
        return prepare_block(
            connection, block, _WORKER["source_id"], _WORKER["names"], _WORKER["now"]
        )

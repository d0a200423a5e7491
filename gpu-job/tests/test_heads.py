"""Output heads from a model's config: one `label` head for a plain classifier, several side by side for goldpipe's own."""

from __future__ import annotations

import pytest
import torch

from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.heads import OutputHead, output_heads, softmax_per_head

LABEL = ["positive", "neutral", "negative"]
DIRECTION = ["up", "constant", "down", "none"]
TWO_HEADS = [{"name": "label", "labels": LABEL}, {"name": "price_direction", "labels": DIRECTION}]


def test_a_plain_classifier_is_one_label_head_over_all_its_outputs():
    assert output_heads(None, ["bullish", "bearish"], "m") == [OutputHead("label", ("bullish", "bearish"), 0)]


def test_declared_heads_take_consecutive_slices_of_the_logits():
    heads = output_heads(TWO_HEADS, LABEL + DIRECTION, "m")
    assert [(h.name, h.start, h.stop) for h in heads] == [("label", 0, 3), ("price_direction", 3, 7)]


@pytest.mark.parametrize(
    ("declared", "labels", "reason"),
    [
        ({"label": LABEL}, LABEL, "must be a list of {name, labels} objects"),
        ([{"name": "label", "labels": []}], [], "each with at least one label"),
        ([{"name": "mood", "labels": ["a"]}, {"name": "label", "labels": LABEL}], ["a", *LABEL], "output head 'mood' is not one the job"),
        ([{"name": "label", "labels": LABEL}, {"name": "label", "labels": ["x"]}], [*LABEL, "x"], "listed twice"),
        ([{"name": "price_direction", "labels": DIRECTION}], DIRECTION, "has no 'label' head"),
        ([{"name": "label", "labels": LABEL}, {"name": "price_direction", "labels": ["up", "down"]}], LABEL + ["up", "down"], "must have"),
        (TWO_HEADS, DIRECTION + LABEL, "are not id2label's"),
    ],
)
def test_a_config_that_does_not_add_up_is_refused_with_the_reason(declared, labels, reason):
    with pytest.raises(JobInputError, match=reason.replace("{", r"\{").replace("(", r"\(")):
        output_heads(declared, labels, "model config m/config.json")


def test_softmax_per_head_normalises_each_head_on_its_own():
    heads = output_heads(TWO_HEADS, LABEL + DIRECTION, "m")
    logits = torch.tensor([[1.0, 2.0, 3.0, 0.0, 0.0, 5.0, 1.0], [0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0]])
    probs = softmax_per_head(logits, heads)
    torch.testing.assert_close(probs[:, :3], logits[:, :3].softmax(-1))
    torch.testing.assert_close(probs[:, 3:], logits[:, 3:].softmax(-1))
    torch.testing.assert_close(probs.sum(-1), torch.tensor([2.0, 2.0]))

"""Randomly initialised BERT sequence classifiers with a WordPiece vocabulary trained on the spot:
the models the test suite and bench.py score with, so neither downloads anything."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
LABELS = ("positive", "neutral", "negative")


def wordpiece_tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A lower-casing BERT WordPiece tokenizer whose vocabulary is learnt from texts."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[(t, tokenizer.token_to_id(t)) for t in ("[CLS]", "[SEP]")],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )


def save_random_classifier(
    out_dir: Path,
    texts: list[str],
    *,
    layers: int,
    hidden: int,
    heads: int,
    intermediate: int,
    vocab_size: int,
    seed: int = 0,
    initializer_range: float = 0.02,
    labels: tuple[str, ...] = LABELS,
    output_heads: dict[str, tuple[str, ...]] | None = None,
) -> Path:
    """Writes a Hugging Face directory (config, safetensors, tokenizer) of a random BERT classifier;
    with output_heads ({name: labels}), one whose logits are those heads' side by side."""
    tokenizer = wordpiece_tokenizer(texts, vocab_size)
    if output_heads is not None:
        labels = tuple(label for head_labels in output_heads.values() for label in head_labels)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        initializer_range=initializer_range,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    if output_heads is not None:
        config.output_heads = [{"name": name, "labels": list(head_labels)} for name, head_labels in output_heads.items()]
    torch.manual_seed(seed)
    BertForSequenceClassification(config).save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir

"""The model input: a Hugging Face sequence-classification directory, or the model.tar.gz that
SageMaker delivers; loaded on the device and in the dtype goldpipe_scorer.device chooses."""

from __future__ import annotations

import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from goldpipe_scorer.device import choose_device, choose_dtype
from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.heads import OutputHead, output_heads


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: Tokenizer
    labels: list[str]
    heads: list[OutputHead]
    name: str
    device: torch.device
    dtype: torch.dtype
    max_length: int
    pad_id: int


def resolve_model_dir(model_dir: Path) -> tuple[Path, str]:
    """The directory holding config.json (model_dir itself, or what its model.tar.gz unpacks to),
    and a name for the model when its config has none: the folder the model came in."""
    if (model_dir / "config.json").is_file():
        return model_dir, model_dir.name
    archives = sorted(model_dir.glob("*.tar.gz")) if model_dir.is_dir() else []
    if not archives:
        raise JobInputError(
            f"model directory {model_dir} holds neither config.json nor model.tar.gz: "
            "pass --model-dir with a Hugging Face sequence-classification model"
        )
    target = Path(tempfile.mkdtemp(prefix="goldpipe-model-"))
    try:
        with tarfile.open(archives[0]) as archive:
            archive.extractall(target, filter="data")
    except (tarfile.TarError, OSError) as err:
        raise JobInputError(f"model archive {archives[0]} cannot be unpacked: {err}") from err
    if (target / "config.json").is_file():
        return target, model_dir.name
    for candidate in (p for p in target.iterdir() if p.is_dir()):
        if (candidate / "config.json").is_file():
            return candidate, candidate.name
    raise JobInputError(f"model archive {archives[0]} holds no config.json at its top level or one folder down")


def _model_name(config: dict, override: str | None, folder_name: str) -> str:
    if override:
        return override
    name = config.get("name_or_path") or config.get("_name_or_path") or ""
    return name if name and not Path(name).is_absolute() else folder_name


def load_model(
    model_dir: Path, *, device: str, dtype: str, max_length: int, name: str | None, instance_type: str | None = None
) -> LoadedModel:
    directory, folder_name = resolve_model_dir(model_dir)
    config = json.loads((directory / "config.json").read_text())
    id2label = config.get("id2label") or {}
    if not id2label:
        raise JobInputError(f"model config {directory / 'config.json'} has no id2label: the job takes its label set from it")
    labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
    if len(labels) != len(set(labels)):
        raise JobInputError(f"model config {directory / 'config.json'} repeats a label in id2label: {labels}")
    heads = output_heads(config.get("output_heads"), labels, f"model config {directory / 'config.json'}")
    torch_device = choose_device(device, instance_type)
    hf_logging.disable_progress_bar()
    torch_dtype = choose_dtype(dtype, torch_device)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch_dtype, attn_implementation="sdpa")
        tokenizer = AutoTokenizer.from_pretrained(directory).backend_tokenizer
    except (OSError, ValueError) as err:
        raise JobInputError(f"model {directory} cannot be loaded as a sequence classifier: {err}") from err
    if model.config.num_labels != len(labels):
        raise JobInputError(f"model {directory} has {model.config.num_labels} outputs but id2label names {len(labels)}")
    model.to(torch_device).eval()
    limit = min(max_length, int(config.get("max_position_embeddings", max_length)))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=limit)
    pad_id = config.get("pad_token_id")
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        labels=labels,
        heads=heads,
        name=_model_name(config, name, folder_name),
        device=torch_device,
        dtype=torch_dtype,
        max_length=limit,
        pad_id=int(pad_id) if pad_id is not None else 0,
    )

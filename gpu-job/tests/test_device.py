"""Device and dtype choice: a GPU instance type demands CUDA, bf16 only where it is native, and the metrics' device facts."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import headline_rows, run_job_process, write_parquet_shard
from goldpipe_scorer.device import choose_device, choose_dtype, device_facts, is_gpu_instance_type
from goldpipe_scorer.errors import JobInputError


@pytest.mark.parametrize(
    ("instance_type", "gpu"),
    [("ml.g4dn.xlarge", True), ("ml.g5.2xlarge", True), ("ml.p4d.24xlarge", True), ("ml.p5.48xlarge", True), ("ml.g6e.xlarge", True)]
    + [("ml.m5.xlarge", False), ("ml.c5.2xlarge", False), ("ml.inf2.xlarge", False), ("ml.trn1.2xlarge", False), ("local", False)]
    + [("", False), (None, False)],
)
def test_gpu_instance_types_are_the_nvidia_families(instance_type, gpu):
    assert is_gpu_instance_type(instance_type) is gpu


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal where no CUDA device is visible")
def test_a_gpu_instance_without_a_visible_cuda_device_is_refused():
    with pytest.raises(JobInputError, match=r"^ml\.g4dn\.xlarge is a GPU instance type, but no CUDA device is visible"):
        choose_device("auto", "ml.g4dn.xlarge")
    with pytest.raises(JobInputError, match="no CUDA device is visible"):
        choose_device("cuda", None)
    assert choose_device("auto", "ml.m5.xlarge") == torch.device("cpu")
    assert choose_device("cpu", "ml.g4dn.xlarge") == torch.device("cpu")


def test_bf16_only_where_the_gpu_computes_it_natively(monkeypatch):
    asked = []

    def t4_like(including_emulation: bool = True) -> bool:
        asked.append(including_emulation)
        return including_emulation

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", t4_like)
    assert choose_dtype("auto", torch.device("cuda")) == torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert choose_dtype("auto", torch.device("cuda")) == torch.bfloat16
    assert asked == [False]
    assert choose_dtype("auto", torch.device("cpu")) == torch.float32
    assert choose_dtype("float16", torch.device("cpu")) == torch.float16


def test_the_cpu_has_no_driver_or_cuda_version():
    assert device_facts(torch.device("cpu")) == {"device_name": "cpu", "driver_version": None, "cuda_version": None, "bf16_native": None}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal where no CUDA device is visible")
def test_the_job_on_a_gpu_instance_type_stops_at_once_with_the_reason_in_the_message_file(tiny_model, dirs):
    write_parquet_shard(dirs.shard, headline_rows(["gold rises"]))

    result = run_job_process(dirs.args(tiny_model, "--device", "auto"), GOLDPIPE_INSTANCE_TYPE="ml.g5.xlarge")

    assert result.returncode == 2
    assert dirs.failure.read_text().startswith("ml.g5.xlarge is a GPU instance type, but no CUDA device is visible")
    assert not dirs.output.exists() or not list(dirs.output.iterdir())


def test_the_instance_type_and_image_are_recorded_in_the_metrics(tiny_model, dirs):
    write_parquet_shard(dirs.shard, headline_rows(["gold rises"]))
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-dev-gpu-job@sha256:" + "ab" * 32

    result = run_job_process(dirs.args(tiny_model), GOLDPIPE_INSTANCE_TYPE="ml.m5.xlarge", GOLDPIPE_IMAGE_URI=image)

    assert result.returncode == 0, result.stderr
    metrics = json.loads((dirs.output / "metrics.json").read_text())
    assert (metrics["instance_type"], metrics["image_uri"], metrics["device"]) == ("ml.m5.xlarge", image, "cpu")

"""Where the model runs and in which dtype, and what the metrics say about that device.

A job on a GPU instance type (ml.g*, ml.p*) demands CUDA: a CPU fallback would take hours and
look like success. bf16 only where the GPU computes it natively (A10G, A100, H100 and later);
a T4 reports bf16 through emulation, slower than its native fp16.
"""

from __future__ import annotations

import ctypes
import re

import torch

from goldpipe_scorer.errors import JobInputError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}

# SageMaker's NVIDIA GPU families: ml.g4dn, ml.g5, ml.g6, ml.g6e, ml.p3, ml.p4d, ml.p5, …
GPU_INSTANCE_TYPE = re.compile(r"^ml\.[gp]\d")


def is_gpu_instance_type(instance_type: str | None) -> bool:
    return bool(instance_type) and GPU_INSTANCE_TYPE.match(instance_type) is not None


def choose_device(requested: str, instance_type: str | None = None) -> torch.device:
    """`requested` is --device; `instance_type` the SageMaker instance the job was given, if any."""
    if requested == "auto" and is_gpu_instance_type(instance_type):
        requested = "cuda"
    if requested == "cuda" and not torch.cuda.is_available():
        on = f"{instance_type} is a GPU instance type, but " if is_gpu_instance_type(instance_type) else ""
        raise JobInputError(
            f"{on}no CUDA device is visible to PyTorch {torch.__version__} (built for CUDA {torch.version.cuda or 'none'}): "
            "the image's CUDA runtime may need a newer NVIDIA driver than the host has, or the container sees no GPU "
            "(gpu-job/README.md, the image); the job stops rather than score on the CPU"
        )
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def choose_dtype(requested: str, device: torch.device) -> torch.dtype:
    if requested != "auto":
        return DTYPES[requested]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else torch.float16
    return torch.float32


def nvidia_driver_version() -> str | None:
    """The host's NVIDIA driver (e.g. 550.163.01), from NVML, which the NVIDIA container runtime mounts; None without one."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return None
    if nvml.nvmlInit_v2() != 0:
        return None
    try:
        buffer = ctypes.create_string_buffer(96)
        return buffer.value.decode() if nvml.nvmlSystemGetDriverVersion(buffer, len(buffer)) == 0 else None
    finally:
        nvml.nvmlShutdown()


def device_facts(device: torch.device) -> dict:
    """The metrics' record of the device: its name, the driver and CUDA versions, and native bf16 support."""
    if device.type != "cuda":
        return {"device_name": "cpu", "driver_version": None, "cuda_version": None, "bf16_native": None}
    return {
        "device_name": torch.cuda.get_device_name(device),
        "driver_version": nvidia_driver_version(),
        "cuda_version": torch.version.cuda,
        "bf16_native": torch.cuda.is_bf16_supported(including_emulation=False),
    }

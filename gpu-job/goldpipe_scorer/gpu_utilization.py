"""GPU utilization while the job scores: NVML's "percent of time a kernel was running", sampled on a
background thread for each GPU the workers use (torch.cuda.utilization, through nvidia-ml-py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class Utilization:
    """Mean percent per GPU (cuda:N → percent), or none and why."""

    by_device: dict[str, float]
    source: str

    @property
    def mean_percent(self) -> float | None:
        return round(sum(self.by_device.values()) / len(self.by_device), 1) if self.by_device else None


class UtilizationSampler:
    """Samples each CUDA device in `devices` until stopped; on a CPU it samples nothing and says so."""

    def __init__(self, devices: list[torch.device]):
        self.devices = sorted({d for d in devices if d.type == "cuda"}, key=lambda d: d.index or 0)
        self.samples: dict[str, list[int]] = {str(d): [] for d in self.devices}
        self.problem: str | None = None if self.devices else "none: scored on the CPU"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="goldpipe-gpu-sampler", daemon=True)

    def __enter__(self) -> UtilizationSampler:
        if self.devices:
            self._sample()  # a probe: NVML answers, or the job says why not; the idle reading is not kept
            for samples in self.samples.values():
                samples.clear()
            if self.problem is None:
                self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self.problem is None and not any(self.samples.values()):
            self._sample()  # a job shorter than one sample period

    def _sample(self) -> None:
        try:
            for device in self.devices:
                self.samples[str(device)].append(torch.cuda.utilization(device))
        except Exception as err:  # NVML absent (no nvidia-ml-py, no driver library) or refusing: the job scores on regardless
            self.problem = f"none: NVML could not be read ({type(err).__name__}: {err})"

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS) and self.problem is None:
            self._sample()

    def result(self) -> Utilization:
        if self.problem is not None:
            return Utilization({}, self.problem)
        return Utilization({name: round(sum(s) / len(s), 1) for name, s in self.samples.items() if s}, "nvml")

#!/usr/bin/env bash
# The GPU job's device check, run as one call on a GPU machine from the repository root:
#   bash gpu-job/device-check.sh
# The pytest suite (which adds fp32 and bf16 CUDA cases where a GPU is visible, each with one and two
# workers), then bench.py with one and two workers (per-worker and total headlines/s, GPU utilization).
# Logs and the bench JSON go to $OUT (a temporary folder when OUT is unset).
set -uo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-$(mktemp -d)}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
PYTHON=${PYTHON:-python3}

"$PYTHON" - <<'PY' 2>&1 | tee "$OUT/environment.txt"
import torch, transformers, tokenizers, pyarrow, sys
print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__,
      "tokenizers", tokenizers.__version__, "pyarrow", pyarrow.__version__)
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else "-")
PY
nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu,clocks.sm --format=csv 2>&1 | tee -a "$OUT/environment.txt"

timeout "${PYTEST_TIMEOUT:-180}" "$PYTHON" -m pytest -q tests 2>&1 | tee "$OUT/pytest.log"
tests=${PIPESTATUS[0]}

timeout "${BENCH_TIMEOUT:-300}" "$PYTHON" bench.py --workers 1 2 "$@" > "$OUT/bench.json" 2> "$OUT/bench.log"
bench=$?
cat "$OUT/bench.json"
tail -5 "$OUT/bench.log"
echo "pytest exit $tests, bench exit $bench"
exit $(( tests || bench ))

/**
 * Stands in for `python -m goldpipe_scorer`: reads the same arguments, reports what it was given
 * in the output, and behaves as FAKE_JOB says (score, fail, crash, sleep; obey: crash after its first
 * chunk when GOLDPIPE_CRASH_AFTER_CHUNKS=1, as the real job does).
 */
export const FAKE_SCORER = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    --shard-dir) shard="$2"; shift ;;
    --model-dir) model="$2"; shift ;;
    --checkpoint-dir) checkpoint="$2"; shift ;;
    --output-dir) out="$2"; shift ;;
    --failure-file) failure="$2"; shift ;;
  esac
  shift
done
[ -n "$STARTED_MARKER" ] && echo $$ > "$STARTED_MARKER"
mkdir -p "$out"
{
  echo "run=$GOLDPIPE_RUN_ID shard=$GOLDPIPE_SHARD_ID crash_after=$GOLDPIPE_CRASH_AFTER_CHUNKS"
  echo "shard_files=$(ls "$shard")"
  echo "checkpoint_files=$(ls -A "$checkpoint" | tr '\\n' ' ')"
  echo "model=$(cat "$model/config.json")"
  case "$out" in /opt/*) echo "unmapped";; esac
} > "$out/given.txt"
echo chunk > "$out/part-new-00000.parquet"
[ "$FAKE_JOB" = obey ] && [ "$GOLDPIPE_CRASH_AFTER_CHUNKS" = 1 ] && { echo "Killed after chunk 1" >&2; exit 137; }
case "$FAKE_JOB" in
  fail) echo "the model directory has no tokenizer" > "$failure"; exit 1 ;;
  crash) echo "Killed after chunk 1" >&2; exit 137 ;;
  sleep) sleep 30 ;;
esac
echo chunk > "$out/part-new-00001.parquet"
echo '{"rows": 2}' > "$out/metrics.json"
touch "$out/_SUCCESS"
`;

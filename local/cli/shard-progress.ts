import cliProgress from "cli-progress";
import type { ShardEvent } from "../runtime/pipeline.ts";
import type { CommandContext } from "./command.ts";

export interface ShardProgress {
  /** Feed it the runtime's shard events. */
  onShard(event: ShardEvent): void;
  stop(): void;
}

/** Past this many shards a terminal gets one bar for the run instead of a bar per shard. */
export const MAX_SHARD_BARS = 20;

/**
 * A run's shards on the terminal: on a TTY one bar per shard, filled by the chunks its job has
 * checkpointed, with its attempt and outcome, or for a run of many shards one bar of shards done;
 * elsewhere one line per retry and per outcome.
 */
export function shardProgress(
  stderr: CommandContext["stderr"],
  shards: readonly { index: number; rows: number }[],
  chunkRows: number,
): ShardProgress {
  if (!stderr.isTTY) {
    return {
      onShard(event) {
        const line = eventLine(event);
        if (line) stderr.write(`${line}\n`);
      },
      stop() {},
    };
  }
  if (shards.length > MAX_SHARD_BARS) return runProgress(stderr, shards.length);
  const multibar = new cliProgress.MultiBar(
    {
      stream: stderr,
      format: "shard {shard} |{bar}| {value}/{total} chunks  {state}",
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(
    shards.map((shard) => {
      const total = Math.max(1, Math.ceil(shard.rows / chunkRows));
      return [shard.index, { total, bar: multibar.create(total, 0, { shard: String(shard.index).padStart(3), state: "waiting" }) }];
    }),
  );
  return {
    onShard(event) {
      const shard = bars.get(event.index);
      if (!shard) return;
      switch (event.type) {
        case "attempt":
          shard.bar.update({ state: event.attempt === 1 ? "scoring" : `scoring (attempt ${event.attempt})` });
          break;
        case "chunks":
          shard.bar.update(Math.min(event.chunks, shard.total));
          break;
        case "attempt-failed":
          multibar.log(`${eventLine(event)}\n`);
          shard.bar.update({ state: `attempt ${event.attempt} failed` });
          break;
        case "interrupted":
          multibar.log(`${eventLine(event)}\n`);
          shard.bar.update({ state: `spot restart ${event.restart}` });
          break;
        case "skipped":
          shard.bar.update(shard.total, { state: "done earlier" });
          break;
        case "succeeded":
          shard.bar.update(shard.total, { state: "scored" });
          break;
        case "failed":
          shard.bar.update({ state: "FAILED (replay finishes it)" });
          break;
      }
    },
    stop: () => multibar.stop(),
  };
}

/** One bar for a run of many shards: those done (scored, scored before, or failed) of all, and how many are being scored. */
function runProgress(stderr: CommandContext["stderr"], total: number): ShardProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr,
      format: "shards |{bar}| {value}/{total} done  {scoring} scoring, {retries} retried, {failed} failed",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const scoring = new Set<number>();
  let done = 0;
  let retries = 0;
  let failed = 0;
  bar.start(total, 0, { scoring: 0, retries, failed });
  return {
    onShard(event) {
      switch (event.type) {
        case "attempt":
          scoring.add(event.index);
          if (event.attempt > 1) retries++;
          break;
        case "skipped":
        case "succeeded":
          scoring.delete(event.index);
          done++;
          break;
        case "failed":
          scoring.delete(event.index);
          failed++;
          done++;
          break;
      }
      bar.update(done, { scoring: scoring.size, retries, failed });
    },
    stop: () => bar.stop(),
  };
}

function eventLine(event: ShardEvent): string | undefined {
  switch (event.type) {
    case "attempt-failed":
      return `shard ${event.index}: attempt ${event.attempt} failed: ${event.reason.split("\n")[0]}`;
    case "interrupted":
      return `shard ${event.index}: ${event.reason}; restarting from its checkpoint`;
    case "failed":
      return `shard ${event.index}: failed after its retries; "goldpipe replay" finishes it`;
    case "succeeded":
      return `shard ${event.index}: scored`;
    case "skipped":
      return `shard ${event.index}: already scored`;
    default:
      return undefined;
  }
}

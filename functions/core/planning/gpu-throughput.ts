/**
 * Headlines per second one GPU scores end to end with the gpu-job (shard Parquet in, scored Parquet
 * chunks out), BERT-base-sized classifier, headline lengths (mean ~15 WordPiece tokens), bf16 where
 * the GPU has it, fp16 otherwise. Each figure says whether it was measured or estimated, and from what.
 * A multi-GPU instance is planned at its GPU count times this (one worker per GPU): an estimate until
 * `bash gpu-job/device-check.sh` is run there.
 */
export interface GpuThroughput {
  headlines_per_second: number;
  basis: "measured" | "estimate";
  source: string;
}

/** The measured figure every estimate is scaled from. */
const H100_MEASURED = 47_615;
/** NVIDIA H100 SXM datasheet: dense BF16 tensor TFLOPS. */
const H100_TENSOR_TFLOPS = 989;

/** An H100 measurement scaled by the GPU's dense fp16/bf16 tensor TFLOPS (the model's matrix products dominate at these batch sizes). */
function scaled(tensorTflops: number, datasheet: string): GpuThroughput {
  return {
    headlines_per_second: Math.round((H100_MEASURED * tensorTflops) / H100_TENSOR_TFLOPS),
    basis: "estimate",
    source: `scaled from the measured H100 figure by dense tensor TFLOPS (${datasheet}: ${tensorTflops} vs ${H100_TENSOR_TFLOPS})`,
  };
}

export const GPU_THROUGHPUT: Readonly<Record<string, GpuThroughput>> = {
  H100: {
    headlines_per_second: H100_MEASURED,
    basis: "measured",
    source: "bash gpu-job/device-check.sh on one H100 80GB HBM3, BERT-base shape, bf16, 200,000 headlines, 2026-11-27 (gpu-job/README.md)",
  },
  A100: scaled(312, "NVIDIA A100 datasheet, BF16"),
  V100: scaled(125, "NVIDIA V100 SXM2 datasheet, FP16"),
  A10G: scaled(125, "NVIDIA A10 datasheet, BF16; the A10G of ml.g5 is AWS's variant of the A10"),
  T4: scaled(65, "NVIDIA T4 datasheet, FP16; the T4 has no bf16"),
};

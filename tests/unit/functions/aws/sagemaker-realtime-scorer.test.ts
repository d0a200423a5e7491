import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SageMakerRealtimeScorer } from "../../../../functions/aws/sagemaker-realtime-scorer.ts";
import type { Headline } from "../../../../functions/core/headline.ts";
import { scoredHeadline } from "../../../support/scored-fixtures.ts";

const runtime = mockClient(SageMakerRuntimeClient);
const scorer = new SageMakerRealtimeScorer(new SageMakerRuntimeClient({ region: "us-east-1" }), "goldpipe-dev-realtime");

const headline = (id: string): Headline => {
  const { id: _, label, score, probs, intensity, model, run_id, shard_id, scored_at, ...rest } = scoredHeadline({ id });
  return { id, ...rest };
};
const body = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

beforeEach(() => runtime.reset());

describe("SageMakerRealtimeScorer", () => {
  it("invokes the endpoint with the headlines as a JSON list and returns its scored headlines, extra fields kept", async () => {
    const answer = [{ ...scoredHeadline({ id: "a" }), price_direction: "up" }, scoredHeadline({ id: "b", label: "negative" })];
    runtime.on(InvokeEndpointCommand).resolves({ Body: body(answer), ContentType: "application/json" });

    const scored = await scorer.score([headline("a"), headline("b")]);

    expect(scored).toEqual(answer);
    const [call] = runtime.commandCalls(InvokeEndpointCommand);
    expect(call!.args[0].input).toMatchObject({ EndpointName: "goldpipe-dev-realtime", ContentType: "application/json" });
    expect(JSON.parse(String(call!.args[0].input.Body)).map((h: Headline) => h.id)).toEqual(["a", "b"]);
  });

  it("rejects an answer that does not score each headline sent, in order", async () => {
    runtime.on(InvokeEndpointCommand).resolves({ Body: body([scoredHeadline({ id: "b" })]) });
    await expect(scorer.score([headline("a"), headline("b")])).rejects.toThrow("the real-time endpoint answered 1 headlines for 2");

    runtime.on(InvokeEndpointCommand).resolves({ Body: body([scoredHeadline({ id: "b" })]) });
    await expect(scorer.score([headline("a")])).rejects.toThrow("the real-time endpoint's answer 0 is for headline b, not a");

    runtime.on(InvokeEndpointCommand).resolves({ Body: body([{ id: "a" }]) });
    await expect(scorer.score([headline("a")])).rejects.toThrow(/not a list of scored headlines/);
  });

  it("passes the endpoint's own error on, so the fanout sends the headlines to the batch", async () => {
    runtime.on(InvokeEndpointCommand).rejects(new ModelError({ message: "Received server error (503) from primary: busy", $metadata: {} }));
    await expect(scorer.score([headline("a")])).rejects.toThrow("Received server error (503) from primary: busy");
  });
});

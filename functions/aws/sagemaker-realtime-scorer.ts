import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { Headline, ScoredHeadline } from "../core/headline.ts";
import type { RealtimeScorer } from "../core/ports.ts";
import { parseScoredAnswer } from "../core/realtime/scored-answer.ts";

/** The real-time endpoint in AWS: InvokeEndpoint on the stack's SageMaker endpoint, the headlines as a JSON list. */
export class SageMakerRealtimeScorer implements RealtimeScorer {
  readonly #client: SageMakerRuntimeClient;
  readonly #endpointName: string;

  constructor(client: SageMakerRuntimeClient, endpointName: string) {
    this.#client = client;
    this.#endpointName = endpointName;
  }

  async score(headlines: Headline[]): Promise<ScoredHeadline[]> {
    const answer = await this.#client.send(
      new InvokeEndpointCommand({
        EndpointName: this.#endpointName,
        ContentType: "application/json",
        Accept: "application/json",
        Body: JSON.stringify(headlines),
      }),
    );
    return parseScoredAnswer(new TextDecoder().decode(answer.Body), headlines);
  }
}

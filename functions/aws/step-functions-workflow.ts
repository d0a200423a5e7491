import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { ExecutionDescription, Workflow } from "../core/ports.ts";

/** The Workflow port on a Step Functions state machine; an execution's id is its ARN. */
export class StepFunctionsWorkflow implements Workflow {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;

  constructor(client: SFNClient, stateMachineArn: string) {
    this.#client = client;
    this.#stateMachineArn = stateMachineArn;
  }

  async start(request: { name: string; input: unknown }): Promise<{ executionId: string; alreadyStarted: boolean }> {
    try {
      const { executionArn } = await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
      );
      return { executionId: executionArn ?? executionArnFor(this.#stateMachineArn, request.name), alreadyStarted: false };
    } catch (error) {
      // A name is used once per state machine (even after the execution ended): the run was started before.
      if (error instanceof ExecutionAlreadyExists) {
        return { executionId: executionArnFor(this.#stateMachineArn, request.name), alreadyStarted: true };
      }
      throw error;
    }
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    const execution = await this.#client.send(new DescribeExecutionCommand({ executionArn: executionId }));
    const status = execution.status === "PENDING_REDRIVE" || execution.status === undefined ? "RUNNING" : execution.status;
    return {
      status,
      ...(execution.output !== undefined && { output: JSON.parse(execution.output) as unknown }),
      ...(execution.error !== undefined && {
        error: execution.cause ? `${execution.error}: ${execution.cause}` : execution.error,
      }),
    };
  }
}

/** arn:aws:states:R:A:stateMachine:M + name → arn:aws:states:R:A:execution:M:name */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(":");
  if (parts.length !== 7 || parts[5] !== "stateMachine") {
    throw new Error(`"${stateMachineArn}" is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`);
  }
  parts[5] = "execution";
  return [...parts, name].join(":");
}

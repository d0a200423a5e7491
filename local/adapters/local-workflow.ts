import type { ExecutionDescription, Workflow } from "../../functions/core/ports.ts";

/** Runs one execution to its end: its output, or a rejection that is its error. */
export type ExecutionRunner = (name: string, input: unknown) => Promise<unknown>;

/**
 * The Workflow port in this process: each execution runs as a promise (the local runtime executing
 * the ASL), named as in Step Functions, where a name starts one execution only. An execution's id
 * is its name.
 */
export class LocalWorkflow implements Workflow {
  readonly #run: ExecutionRunner;
  readonly #executions = new Map<string, { settled: Promise<ExecutionDescription>; current: ExecutionDescription }>();

  constructor(run: ExecutionRunner) {
    this.#run = run;
  }

  async start(request: { name: string; input: unknown }): Promise<{ executionId: string; alreadyStarted: boolean }> {
    if (this.#executions.has(request.name)) return { executionId: request.name, alreadyStarted: true };
    const execution = {
      current: { status: "RUNNING" } as ExecutionDescription,
      settled: undefined as unknown as Promise<ExecutionDescription>,
    };
    execution.settled = this.#run(request.name, request.input).then(
      (output): ExecutionDescription => (execution.current = { status: "SUCCEEDED", output }),
      (error: unknown): ExecutionDescription =>
        (execution.current = { status: "FAILED", error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
    this.#executions.set(request.name, execution);
    return { executionId: request.name, alreadyStarted: false };
  }

  async describe(executionId: string): Promise<ExecutionDescription> {
    return this.#execution(executionId).current;
  }

  /** The execution's description once it has ended. */
  async wait(executionId: string): Promise<ExecutionDescription> {
    return this.#execution(executionId).settled;
  }

  #execution(executionId: string) {
    const execution = this.#executions.get(executionId);
    if (!execution) throw new Error(`no execution named ${executionId} was started in this process`);
    return execution;
  }
}

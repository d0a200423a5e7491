import { z } from "zod";
import { ScoredHeadlineSchema, type Headline, type ScoredHeadline } from "../headline.ts";

/** The endpoint's answer to a list of headlines: one scored headline each, in order, with whatever further fields the model adds. */
const ScoredAnswerSchema = z.array(ScoredHeadlineSchema.loose());

/** The scored headlines of an endpoint's answer to `sent`, or an error saying how the answer breaks the contract. */
export function parseScoredAnswer(body: string, sent: readonly Headline[]): ScoredHeadline[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new Error(`the real-time endpoint's answer is not JSON (${(error as Error).message}): ${body.slice(0, 200)}`);
  }
  const parsed = ScoredAnswerSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`the real-time endpoint's answer is not a list of scored headlines: ${z.prettifyError(parsed.error).slice(0, 500)}`);
  }
  const scored = parsed.data;
  if (scored.length !== sent.length) throw new Error(`the real-time endpoint answered ${scored.length} headlines for ${sent.length}`);
  const stray = scored.findIndex((row, i) => row.id !== sent[i]!.id);
  if (stray !== -1)
    throw new Error(`the real-time endpoint's answer ${stray} is for headline ${scored[stray]!.id}, not ${sent[stray]!.id}`);
  return scored;
}

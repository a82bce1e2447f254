import { describe, expect, it } from "vitest";
import {
  choiceObservations,
  enrichFromCandidates,
  estimatePositionBias,
  type LoggedCandidate,
} from "../../src/feedback/index.ts";
import { stored } from "./stored-events.ts";

const logged = (id: string, fields: Partial<LoggedCandidate> = {}): LoggedCandidate => ({
  id,
  ownerId: "o",
  chatId: "chat",
  parentMessageId: "u1",
  batchId: "b1",
  kind: "reply",
  siblingPosition: 0,
  policyId: "model-v1",
  propensity: 1,
  orderPropensity: 1 / 6,
  ...fields,
});

describe("enrichment from the candidate log", () => {
  it("gives a web reply its sibling group, positions, policy and the batch's order propensity", () => {
    const log = [
      logged("c0", { siblingPosition: 0 }),
      logged("c1", { siblingPosition: 1 }),
      logged("c2", { siblingPosition: 2 }),
      // A continuation of c1 is a version of it, not a sibling.
      logged("c1+", { kind: "continue", siblingPosition: 1, batchId: "b2", orderPropensity: 1 }),
    ];
    const reply = stored("reply", { chosen_candidate_id: "c1" }, { message_id: "m1", candidate_id: "c1" });
    const exposure = stored("exposure", { visible_ms: 3000, max_visible_fraction: 1 }, { candidate_id: "c2" });
    const other = stored("exposure", { visible_ms: 3000, max_visible_fraction: 1 }, { candidate_id: "unknown" });
    const [r, x, o] = enrichFromCandidates([reply, exposure, other], log);
    expect(r).toMatchObject({
      candidate_ids: ["c0", "c1", "c2"],
      positions: [0, 1, 2],
      policy_id: "model-v1",
      propensity: 1,
      order_propensity: 1 / 6,
      parent_message_id: "u1",
    });
    // Every field the event had, in the same order (new ones after): stored events all have every field.
    expect(Object.keys(r as object).slice(0, Object.keys(reply).length)).toEqual(Object.keys(reply));
    expect(x).toMatchObject({ policy_id: "model-v1", order_propensity: 1 / 6 });
    expect(o).toBe(other);
    // The stored events are not changed.
    expect(reply.candidate_ids).toBeUndefined();
  });

  it("treats a group grown by regenerates as not shuffled, and keeps what the event already says", () => {
    const log = [
      logged("c0", { siblingPosition: 0, batchId: "b1" }),
      logged("c1", { siblingPosition: 1, batchId: "b2", policyId: "model-v2" }),
    ];
    const [r] = enrichFromCandidates([stored("reply", { chosen_candidate_id: "c1" }, { candidate_id: "c1" })], log);
    expect(r).toMatchObject({ candidate_ids: ["c0", "c1"], order_propensity: 1, policy_id: "model-v2" });
    const [kept] = enrichFromCandidates(
      [stored("reply", {}, { candidate_id: "c1", policy_id: "given", candidate_ids: ["c1", "c9"], positions: [0, 1] })],
      log,
    );
    expect(kept).toMatchObject({ policy_id: "given", candidate_ids: ["c1", "c9"] });
  });

  it("lets randomized served orders estimate position bias", () => {
    // 60 shuffled three-candidate batches where the person always keeps what is shown first.
    const log: LoggedCandidate[] = [];
    const events = [];
    for (let g = 0; g < 60; g++) {
      for (let k = 0; k < 3; k++)
        log.push(logged(`g${g}c${k}`, { parentMessageId: `u${g}`, batchId: `b${g}`, siblingPosition: k }));
      events.push(stored("reply", { chosen_candidate_id: `g${g}c0` }, { candidate_id: `g${g}c0` }));
    }
    const bias = estimatePositionBias(choiceObservations(enrichFromCandidates(events, log)));
    expect(bias.method).toBe("randomized");
    // Nothing below the first place is ever kept (θ is smoothed, so not exactly 0).
    expect(bias.theta[1]).toBeLessThan(0.05);
    expect(bias.groups).toBe(60);
  });
});

// Plumbing with a real model: the tiny local GGUF plays a character through the whole pipeline (its extraction
// cannot produce the schema in its small context, which must cost a notice, not the turn). And the optional LLM
// consistency check, scripted.
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/index.ts";
import { type ChatModel, createFakeModel, resolveModel } from "../../src/llm/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { checkProposal, commitProposal, proposeLine, takeTurn, World } from "../../src/world/index.ts";

const MODEL = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");

let store: Store;
beforeAll(async () => {
  store = await openStore({ databaseUrl: ":memory:" });
});
afterAll(async () => {
  await store.close();
});

const setup = {
  name: "tiny",
  userName: "Tim",
  cast: [{ name: "Lily", description: "A little girl who loves her dog." }],
  startTime: 0,
};

describe("world turns with the tiny local model", () => {
  it("generates, tries extraction, and commits the line with a notice when extraction cannot work", async () => {
    const model: ChatModel = await resolveModel(`local:${MODEL}`, { config: loadConfig({ env: {} }) });
    const w = await World.create(store, setup);
    await w.commit({
      speaker: "Tim",
      text: "Lily, where is your dog?",
      events: [
        {
          kind: "happened",
          payload: { description: "Tim asks", utterance: { speaker: "Tim", text: "Lily, where is your dog?" } },
          witnesses: ["*"],
        },
      ],
    });
    const outcome = await takeTurn(w, "Lily", { generator: model }, { budgetTokens: 300, maxTokens: 40 });
    const proposal = outcome.proposal;
    expect(proposal.text.length).toBeGreaterThan(0);
    expect(proposal.model).toBe(model.id);
    if (outcome.status === "committed") {
      expect(outcome.node.speaker).toBe("Lily");
      expect(w.head().text).toBe(proposal.text);
    } else {
      // The tiny model may well speak for Tim; then nothing is committed and the violation says why.
      expect(outcome.violations.length).toBeGreaterThan(0);
      expect(w.head().speaker).toBe("Tim");
    }
    // Either extraction produced valid events, or the failure is reported (never silent).
    const extracted = proposal.drafts.length > 1;
    expect(extracted || proposal.notices.some((n) => /extraction failed/.test(n))).toBe(true);
  }, 120_000);
});

describe("the optional LLM consistency check", () => {
  it("adds the checker's findings as violations with options, and says so when it cannot answer", async () => {
    const w = await World.create(store, setup);
    const generator = createFakeModel({
      script: { player: () => "My dog is a cat now.", extract: () => JSON.stringify({ events: [] }) },
    });
    const checker = createFakeModel({
      script: {
        judge: (t) =>
          t.call === 0
            ? JSON.stringify({ violations: [{ message: "Lily's dog cannot be a cat", kind: "contradiction" }] })
            : "no idea",
      },
    });
    const proposal = await proposeLine(w, "Lily", { generator });
    const found = await checkProposal(w, proposal, { checker });
    expect(found).toEqual([
      {
        code: "llm_check",
        message: "contradiction: Lily's dog cannot be a cat",
        options: ["regenerate", "accept_retcon", "edit"],
      },
    ]);
    const unanswerable = await checkProposal(w, proposal, { checker });
    expect(unanswerable[0]?.message).toMatch(/gave no valid verdict; the line is unchecked/);
    await expect(commitProposal(w, proposal, found)).rejects.toMatchObject({ code: "world.unresolved_violations" });
  });
});

import { createFakeModel } from "../../src/llm/index.ts";

/**
 * The scripted model of the chat tests: the player says `lines` in order, extraction puts Alex at the dock after
 * each of Alex's lines, and an off-screen turn leaves Mara pleased.
 */
export function dockModel(lines: readonly string[]) {
  return createFakeModel({
    script: {
      player: (t) => lines[t.call] ?? "…",
      extract: (t) =>
        JSON.stringify({
          minutesPassed: 5,
          events: /New line by Alex/.test(t.request.messages.at(-1)?.content ?? "")
            ? [
                {
                  ref: "e1",
                  kind: "changed",
                  description: "Alex at the dock",
                  op: "set",
                  subject: "Alex",
                  predicate: "at",
                  object: "dock",
                },
              ]
            : [],
        }),
      offscreen: () =>
        JSON.stringify({
          action: "Mara counts coins",
          events: [
            {
              ref: "e1",
              kind: "changed",
              description: "rich",
              op: "set",
              subject: "Mara",
              predicate: "mood",
              object: "pleased",
            },
          ],
        }),
    },
  });
}

import { expect } from "vitest";
import { sseEvents } from "../support/sse-events.ts";

export { sseEvents };

/** Follow a reply through GET …/stream and return its pieces joined and the final message's text. */
export async function follow(url: string, key: string, chatId: string, messageId: string) {
  const res = await fetch(`${url}/api/chats/${chatId}/messages/${messageId}/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events = sseEvents(await res.text());
  const pieces = events.filter((e) => e.event === "delta").map((e) => e.data.text as string);
  const final = events.find((e) => e.event === "done")?.data as { message: { text: string; status: string } };
  return { pieces: pieces.join(""), final: final.message };
}

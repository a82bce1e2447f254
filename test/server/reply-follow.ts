import { expect } from "vitest";

/** Parse an SSE body into [event, data] pairs. */
export function sseEvents(body: string): Array<[string, unknown]> {
  return body
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return [event, JSON.parse(data)];
    });
}

/** Follow a reply through GET …/stream and return its pieces joined and the final message's text. */
export async function follow(url: string, key: string, chatId: string, messageId: string) {
  const res = await fetch(`${url}/api/chats/${chatId}/messages/${messageId}/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events = sseEvents(await res.text());
  const pieces = events.filter(([e]) => e === "delta").map(([, d]) => (d as { text: string }).text);
  const final = events.find(([e]) => e === "done")?.[1] as { message: { text: string; status: string } };
  return { pieces: pieces.join(""), final: final.message };
}

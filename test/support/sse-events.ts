/** The events of a Server-Sent Events body, in order: each event's name (default "message") and its JSON data. */
// biome-ignore lint/suspicious/noExplicitAny: event payloads are JSON read back by the assertions.
export function sseEvents(body: string): Array<{ event: string; data: any }> {
  return body
    .split("\n\n")
    .filter((block) => block.includes("data:"))
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) };
    });
}

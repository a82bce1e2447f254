/**
 * Stream deltas gathered between animation frames: a token-per-event stream must not re-render per token, so text
 * is appended here and committed at most once per frame.
 */
export class StreamBuffer {
  private texts = new Map<string, string>();
  private frame = 0;

  constructor(private readonly commit: (texts: Record<string, string>) => void) {}

  /** Begin a message's text (a continuation starts from the text it continues). */
  begin(messageId: string, prefix: string): void {
    this.texts.set(messageId, prefix);
    this.schedule();
  }

  append(messageId: string, text: string): void {
    this.texts.set(messageId, (this.texts.get(messageId) ?? "") + text);
    this.schedule();
  }

  /** Stop following a message (its final text comes from the server). */
  end(messageId: string): void {
    this.texts.delete(messageId);
    this.schedule();
  }

  clear(): void {
    this.texts.clear();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.commit({});
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.commit(Object.fromEntries(this.texts));
    });
  }
}

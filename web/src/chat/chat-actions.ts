import { branchChat, decidePending, deleteMessage, editMessage, rateMessage, selectMessage } from "../api/client.ts";
import type { ChatView, Message, Rating } from "../api/types.ts";
import { getCapture } from "../app/capture-instance.ts";
import { navigate } from "../app/router.ts";
import { type EventContext, editDistance, wordCount } from "../signals/index.ts";
import type { MessageActions } from "./MessageItem.tsx";
import type { Generation } from "./shown-path.ts";

/** What the message actions need from the chat screen. */
export interface ChatActionDeps {
  chatId: string;
  isBusy(): boolean;
  /** Run a generation (send, regenerate, continue) with its stream. */
  run(generation: Generation): Promise<void>;
  reload(): Promise<unknown>;
  /** Show a chat view the server returned. */
  showView(view: ChatView): void;
  patchMessage(messageId: string, patch: { rating: Rating }): void;
  setError(message: string): void;
  setNotice(message: string): void;
  announce(message: string): void;
  clearHeld(messageId: string): void;
  /** Open the world panel on a reply's manifest. */
  showWhy(messageId: string): void;
  /** What an event about a message is about (chat, character, message, parent, candidate). */
  contextOf(message: Message): EventContext & { message_id: string };
  /** Message elements registered with the view tracker, by message id. */
  elements: Map<string, HTMLElement>;
}

/**
 * The actions of a chat's messages: each calls the server and emits its feedback event (swipe, regenerate, edit,
 * rate, copy), and registers rendered replies with the view tracker for exposure and dwell.
 */
export function chatActions(deps: ChatActionDeps): MessageActions {
  const { chatId } = deps;
  return {
    swipe: async (message, direction) => {
      if (deps.isBusy() || message.role !== "assistant") return;
      const capture = getCapture();
      const fromVisible = capture?.tracker.visibleMs(message.id) ?? 0;
      const atEnd = message.siblingIndex + 1 >= message.siblingCount;
      if (direction === "left" && message.siblingIndex === 0) return;
      if (direction === "right" && atEnd) {
        // Past the last swipe: a new reply, as in SillyTavern.
        capture?.emit("swipe", deps.contextOf(message), {
          ...(message.candidateId ? { from_candidate_id: message.candidateId } : {}),
          from_position: message.siblingIndex,
          to_position: message.siblingCount,
          direction,
          generated: true,
          from_visible_ms: fromVisible,
        });
        return deps.run({ kind: "regenerate", message });
      }
      const targetIndex = message.siblingIndex + (direction === "left" ? -1 : 1);
      const targetId = message.siblingIds[targetIndex];
      if (!targetId) return;
      try {
        const next = await selectMessage(chatId, targetId);
        deps.showView(next);
        const shown = next.messages.find((m) => m.id === targetId);
        capture?.emit("swipe", shown ? deps.contextOf(shown) : deps.contextOf(message), {
          ...(message.candidateId ? { from_candidate_id: message.candidateId } : {}),
          ...(shown?.candidateId ? { to_candidate_id: shown.candidateId } : {}),
          from_position: message.siblingIndex,
          to_position: targetIndex,
          direction,
          generated: false,
          from_visible_ms: fromVisible,
        });
      } catch (e) {
        deps.setError((e as Error).message);
      }
    },
    regenerate: (message) => {
      if (deps.isBusy()) return;
      const capture = getCapture();
      capture?.emit("regenerate", deps.contextOf(message), {
        ...(message.candidateId ? { replaced_candidate_id: message.candidateId } : {}),
        visible_ms: capture.tracker.visibleMs(message.id),
        during_stream: message.status === "streaming",
      });
      void deps.run({ kind: "regenerate", message });
    },
    continueReply: (message) => void deps.run({ kind: "continue", message }),
    edit: async (message, text) => {
      const edited = await editMessage(chatId, message.id, text);
      // The schema's edit is about replies (a preference signal); the person's own lines are theirs to change.
      if (message.role === "assistant")
        getCapture()?.emit("edit", deps.contextOf(edited), {
          ...(message.candidateId ? { original_candidate_id: message.candidateId } : {}),
          original_chars: message.text.length,
          edited_chars: text.length,
          edit_distance: editDistance(message.text, text),
        });
      await deps.reload();
    },
    remove: async (message) => {
      if (!confirm("Delete this message? Its versions are kept in the chat's history.")) return;
      try {
        await deleteMessage(chatId, message.id);
        await deps.reload();
      } catch (e) {
        deps.setError((e as Error).message);
      }
    },
    branch: async (message) => {
      try {
        const next = await branchChat(chatId, message.id);
        // A world chat branches its world and stays the same chat, now on the new branch.
        if (next.chat.id === chatId) {
          deps.showView(next);
          deps.announce("Branched: the chat continues on a new branch of its world.");
        } else navigate(`/chats/${encodeURIComponent(next.chat.id)}`);
      } catch (e) {
        deps.setError((e as Error).message);
      }
    },
    rate: async (message, rating) => {
      try {
        const saved = await rateMessage(chatId, message.id, rating);
        if (rating.thumbs != null)
          getCapture()?.emit("rate", deps.contextOf(message), { scale: "thumbs", value: rating.thumbs });
        if (rating.stars != null)
          getCapture()?.emit("rate", deps.contextOf(message), { scale: "stars5", value: rating.stars });
        deps.patchMessage(message.id, { rating: saved });
      } catch (e) {
        deps.setError((e as Error).message);
      }
    },
    copy: async (message) => {
      try {
        await navigator.clipboard.writeText(message.text);
        deps.announce("Copied.");
      } catch {
        deps.announce("Copying is not allowed here.");
      }
      getCapture()?.emit("copy", deps.contextOf(message), { chars: message.text.length });
    },
    decide: async (message, pendingId, decision) => {
      try {
        const result = await decidePending(chatId, pendingId, decision);
        deps.clearHeld(message.id);
        if (result.status === "pending") deps.setNotice("The new version breaks a rule too; it is held again.");
        await deps.reload();
      } catch (e) {
        deps.setError((e as Error).message);
      }
    },
    why: (message) => {
      deps.showWhy(message.id);
    },
    track: (message, element, streaming) => {
      const tracker = getCapture()?.tracker;
      if (!tracker) return;
      if (!element) {
        const old = deps.elements.get(message.id);
        if (old) tracker.untrack(old);
        deps.elements.delete(message.id);
        return;
      }
      deps.elements.set(message.id, element);
      tracker.track(element, {
        context: deps.contextOf(message),
        words: wordCount(message.text),
        streaming,
      });
    },
  };
}

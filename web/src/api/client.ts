import { ApiError, apiErrorOf } from "./api-error.ts";
import { readEventStream } from "./sse-reader.ts";
import type {
  AwayProposal,
  Branches,
  Character,
  CharacterFields,
  CharacterKnowledge,
  CharacterSummary,
  ChatSummary,
  ChatView,
  FactsAsOf,
  Manifest,
  Message,
  PendingDecision,
  Persona,
  Rating,
  Sampling,
  SessionUser,
  StreamEvent,
  TimelineTurn,
  Why,
} from "./types.ts";

/** The CSRF token of the cookie session; every write carries it. Set at sign-in and on reload (GET /api/session). */
let csrfToken: string | null = null;

/** Called when any request finds the session gone, so the app can show the sign-in screen. */
let onSignedOut: () => void = () => {};

/** Register what happens when the session has ended (401 from any route). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** The current CSRF token (the signal transport needs it for its fetches). */
export function currentCsrfToken(): string | null {
  return csrfToken;
}

async function request(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (method !== "GET" && csrfToken) headers.set("x-csrf-token", csrfToken);
  let payload: BodyInit | undefined;
  if (body instanceof Blob || body instanceof ArrayBuffer) payload = body;
  else if (body !== undefined) {
    headers.set("content-type", "application/json");
    payload = JSON.stringify(body);
  }
  const response = await fetch(`/api${path}`, {
    ...init,
    method,
    headers,
    body: payload ?? null,
    credentials: "same-origin",
  });
  if (!response.ok) {
    const error = await apiErrorOf(response);
    if (response.status === 401 && path !== "/session") onSignedOut();
    throw error;
  }
  return response;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

interface SessionBody {
  user: SessionUser;
  csrfToken: string | null;
}

/** Sign in with a name and password; the server sets the session cookie. */
export async function signIn(name: string, password: string): Promise<SessionUser> {
  const body = await json<SessionBody>("POST", "/session", { name, password });
  csrfToken = body.csrfToken;
  return body.user;
}

/** The signed-in user, or undefined when there is no session. */
export async function currentSession(): Promise<SessionUser | undefined> {
  try {
    const body = await json<SessionBody>("GET", "/session");
    csrfToken = body.csrfToken;
    return body.user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** Sign out (the cookie is cleared). */
export async function signOut(): Promise<void> {
  await json("DELETE", "/session");
  csrfToken = null;
}

// Characters

export const listCharacters = async () =>
  (await json<{ characters: CharacterSummary[] }>("GET", "/characters")).characters;
export const getCharacter = (id: string) => json<Character>("GET", `/characters/${enc(id)}`);
export const updateCharacter = (id: string, fields: CharacterFields) =>
  json<Character>("PATCH", `/characters/${enc(id)}`, fields);
export const deleteCharacter = (id: string) => json<void>("DELETE", `/characters/${enc(id)}`);
export const createCharacter = (fields: CharacterFields & { name: string }) =>
  json<Character>("POST", "/characters", fields);

/** Import a card file (PNG/APNG, CharX or JSON) as the raw request body. */
export async function importCard(file: Blob): Promise<Character> {
  const response = await request("POST", "/characters/import", file, {
    headers: { "content-type": cardContentType(file) },
  });
  return (await response.json()) as Character;
}

function cardContentType(file: Blob): string {
  const name = file instanceof File ? file.name.toLowerCase() : "";
  if (name.endsWith(".json") || file.type === "application/json") return "application/json";
  if (name.endsWith(".png") || file.type === "image/png") return "image/png";
  if (name.endsWith(".charx")) return "application/x-charx";
  return "application/octet-stream";
}

/** URL of a character's avatar (served with the session cookie). */
export const avatarUrl = (id: string, version?: number) =>
  `/api/characters/${enc(id)}/avatar${version === undefined ? "" : `?v=${version}`}`;
/** URL that downloads the card in a format. */
export const exportUrl = (id: string, format: "json" | "png" | "charx") =>
  `/api/characters/${enc(id)}/export?format=${format}`;

// Chats

export interface NewChat {
  characterId?: string;
  /** A world-backed chat's cast (several: a group chat where the director picks who answers). */
  characterIds?: string[];
  world?: boolean;
  persona?: Persona;
  model?: string | null;
  sampling?: Sampling;
  title?: string;
}

export const listChats = async () => (await json<{ chats: ChatSummary[] }>("GET", "/chats")).chats;
export const createChat = (body: NewChat) => json<ChatView>("POST", "/chats", body);
export const getChat = (id: string) => json<ChatView>("GET", `/chats/${enc(id)}`);
export const deleteChat = (id: string) => json<void>("DELETE", `/chats/${enc(id)}`);

const msg = (chatId: string, messageId: string) => `/chats/${enc(chatId)}/messages/${enc(messageId)}`;

export const selectMessage = (chatId: string, messageId: string) =>
  json<ChatView>("POST", `${msg(chatId, messageId)}/select`);
export const editMessage = (chatId: string, messageId: string, text: string) =>
  json<Message>("PATCH", msg(chatId, messageId), { text });
export const deleteMessage = (chatId: string, messageId: string) => json<void>("DELETE", msg(chatId, messageId));
export const branchChat = (chatId: string, messageId: string) =>
  json<ChatView>("POST", `${msg(chatId, messageId)}/branch`, {});
export const rateMessage = (
  chatId: string,
  messageId: string,
  rating: { thumbs?: 1 | -1 | null; stars?: number | null },
) => json<Rating>("POST", `${msg(chatId, messageId)}/rating`, rating);

/** Stream a generation: send a message, regenerate a reply or continue one. */
export async function* generate(
  kind: "send" | "regenerate" | "continue",
  chatId: string,
  arg: { text?: string; clientMessageId?: string; messageId?: string },
  signal?: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const path = kind === "send" ? `/chats/${enc(chatId)}/messages` : `${msg(chatId, arg.messageId ?? "")}/${kind}`;
  const body =
    kind === "send" ? { text: arg.text, clientMessageId: arg.clientMessageId } : kind === "regenerate" ? {} : undefined;
  const response = await request("POST", path, body, {
    headers: { accept: "text/event-stream" },
    ...(signal ? { signal } : {}),
  });
  if (!response.body) return;
  yield* readEventStream(response.body);
}

// World (world-backed chats only; other chats answer 404)

const world = (chatId: string) => `/chats/${enc(chatId)}/world`;

export const worldFacts = (chatId: string, turn?: number) =>
  json<FactsAsOf>("GET", `${world(chatId)}/facts${turn === undefined ? "" : `?turn=${turn}`}`);
export const worldTimeline = async (chatId: string) =>
  (await json<{ branch: string; turns: TimelineTurn[] }>("GET", `${world(chatId)}/timeline`)).turns;
export const worldKnowledge = async (chatId: string) =>
  (await json<{ characters: CharacterKnowledge[] }>("GET", `${world(chatId)}/knowledge`)).characters;
export const worldBranches = (chatId: string) => json<Branches>("GET", `${world(chatId)}/branches`);
export const worldManifest = (chatId: string, messageId: string) =>
  json<Manifest>("GET", `${world(chatId)}/manifest/${enc(messageId)}`);
export const worldWhy = async (chatId: string, fact: string) =>
  (await json<{ answers: Why[] }>("GET", `${world(chatId)}/why?fact=${enc(fact)}`)).answers;
export const worldAway = (chatId: string, duration: string) =>
  json<AwayProposal>("POST", `${world(chatId)}/away`, { duration });
/** Accept an away digest, or (keepSteps) only its first committed steps: the digest as the person edited it. */
export const acceptAway = (chatId: string, id: string, keepSteps?: number) =>
  json<unknown>("POST", `${world(chatId)}/away/${enc(id)}/accept`, keepSteps === undefined ? undefined : { keepSteps });
export const discardAway = (chatId: string, id: string) =>
  json<unknown>("POST", `${world(chatId)}/away/${enc(id)}/discard`);
export const decidePending = (chatId: string, pendingId: string, decision: PendingDecision) =>
  json<{ status: "committed" | "pending" | "cancelled"; pendingId?: string }>(
    "POST",
    `${world(chatId)}/pending/${enc(pendingId)}`,
    decision,
  );
export const checkoutBranch = (chatId: string, branch: string) =>
  json<unknown>("POST", `${world(chatId)}/checkout`, { branch });

function enc(s: string): string {
  return encodeURIComponent(s);
}

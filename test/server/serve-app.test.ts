import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWellFormedApiKey, mintApiKey } from "../../src/server/auth/api-key-format.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
beforeAll(async () => {
  f = await startServeFixture({ serve: { rateLimitPerMinute: 1000 } });
});
afterAll(() => f?.close());

const api = (path: string, init: RequestInit & { key?: string; cookie?: string } = {}) =>
  fetch(`${f.server.url}/api${path}`, {
    ...init,
    headers: {
      ...(init.body ? { "content-type": "application/json" } : {}),
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });

describe("troupe serve: identity, keys, sessions", () => {
  it("mints keys with a checksum and refuses tampered ones without a lookup", () => {
    const key = mintApiKey();
    expect(isWellFormedApiKey(key)).toBe(true);
    const tampered = `${key.slice(0, 12)}${key[12] === "a" ? "b" : "a"}${key.slice(13)}`;
    expect(isWellFormedApiKey(tampered)).toBe(false);
  });

  it("serves the OpenAI API to a key and refuses a missing, wrong or revoked one", async () => {
    const client = new OpenAI({ baseURL: `${f.server.url}/v1`, apiKey: f.aliceKey, maxRetries: 0 });
    const done = await client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: "hi" }] });
    expect(done.choices[0]?.message.content).toBeTruthy();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(f.model);

    const wrong = new OpenAI({ baseURL: `${f.server.url}/v1`, apiKey: mintApiKey(), maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const created = await api("/keys", { method: "POST", key: f.aliceKey, body: JSON.stringify({ label: "temp" }) });
    expect(created.status).toBe(201);
    const { key, info } = (await created.json()) as { key: string; info: { id: string; hint: string } };
    expect(key.startsWith(info.hint.replace("…", ""))).toBe(true);
    const temp = new OpenAI({ baseURL: `${f.server.url}/v1`, apiKey: key, maxRetries: 0 });
    await temp.models.list();
    expect((await api(`/keys/${info.id}`, { method: "DELETE", key: f.bobKey })).status).toBe(404);
    expect((await api(`/keys/${info.id}`, { method: "DELETE", key: f.aliceKey })).status).toBe(204);
    await expect(temp.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("stores keys hashed: the database never holds a key", async () => {
    const rows = await f.db.store.db.selectFrom("api_keys").selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(f.aliceKey);
    expect(dump).not.toContain(f.aliceKey.slice(8, 30));
  });

  it("signs in with a password, sets an HttpOnly cookie, and demands the CSRF token on cookie writes", async () => {
    const users = (await (await api("/users", { key: f.adminKey })).json()) as Array<{ name: string }>;
    const alice = users.find((u) => u.name.startsWith("alice"))?.name as string;
    const bad = await api("/session", {
      method: "POST",
      body: JSON.stringify({ name: alice, password: "wrong one!" }),
    });
    expect(bad.status).toBe(401);
    const res = await api("/session", {
      method: "POST",
      body: JSON.stringify({ name: alice, password: "correct horse" }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/troupe_sid=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(";")[0] as string;
    const { csrfToken } = (await res.json()) as { csrfToken: string };

    expect((await api("/session", { cookie })).status).toBe(200);
    const noToken = await api("/keys", { method: "POST", cookie, body: "{}" });
    expect(noToken.status).toBe(403);
    const crossSite = await api("/keys", {
      method: "POST",
      cookie,
      body: "{}",
      headers: { "x-csrf-token": csrfToken, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const ok = await api("/keys", { method: "POST", cookie, body: "{}", headers: { "x-csrf-token": csrfToken } });
    expect(ok.status).toBe(201);
    // /v1 never takes the cookie.
    const v1 = await fetch(`${f.server.url}/v1/models`, { headers: { cookie } });
    expect(v1.status).toBe(401);
    expect(((await v1.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    expect((await api("/session", { method: "DELETE", cookie, headers: { "x-csrf-token": csrfToken } })).status).toBe(
      204,
    );
    expect((await api("/session", { cookie })).status).toBe(401);
  });

  it("keeps user administration to admins", async () => {
    expect((await api("/users", { key: f.aliceKey })).status).toBe(403);
    const made = await api("/users", { method: "POST", key: f.adminKey, body: JSON.stringify({ name: "carol" }) });
    expect(made.status).toBe(201);
    const again = await api("/users", { method: "POST", key: f.adminKey, body: JSON.stringify({ name: "carol" }) });
    expect(again.status).toBe(409);
  });

  it("stores an event batch once however often it is sent, and reports bad events by index", async () => {
    const batch = {
      events: [
        {
          event_id: "7f0c6c39-8d8f-4b7e-9a55-2f9c1c0b1a01",
          type: "session_start",
          created_at_client: Date.now(),
          chat_id: "c1",
          payload: { client: "test" },
        },
        { event_id: "x", type: "nonsense" },
      ],
    };
    const first = await api("/events", { method: "POST", key: f.aliceKey, body: JSON.stringify(batch) });
    const body1 = (await first.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
    expect(first.status, JSON.stringify(body1)).toBe(200);
    expect(body1.rejected).toHaveLength(1);
    const second = (await (
      await api("/events", { method: "POST", key: f.aliceKey, body: JSON.stringify(batch) })
    ).json()) as { accepted: number; duplicates: number };
    expect(body1.accepted + second.accepted).toBe(1);
    expect(second.duplicates).toBe(1);
  });

  it("answers unknown routes, bad JSON and oversized bodies with clear 4xx in each API's shape", async () => {
    const unknown = await api("/nope", { key: f.aliceKey });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const badJson = await api("/keys", { method: "POST", key: f.aliceKey, body: "{not json" });
    expect(badJson.status).toBe(400);
    const huge = await api("/keys", {
      method: "POST",
      key: f.aliceKey,
      body: JSON.stringify({ label: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const spec = (await (await fetch(`${f.server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/api/session", "/api/keys", "/api/events"]));
  });

  it("sends security headers", async () => {
    const res = await fetch(`${f.server.url}/healthz`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

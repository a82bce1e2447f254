import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** The built web app (web/dist), found by walking up from this module: sources and bundle sit at different depths. */
export function findWebRoot(from: string = import.meta.dirname): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, "web", "dist");
    if (existsSync(join(candidate, "index.html")) && existsSync(join(dir, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Serve the web app: hashed assets cached for good, index.html never, so a new build is picked up at once. */
export async function serveWebApp(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    wildcard: false,
    index: ["index.html"],
    // Vite names every file under assets/ by its content hash; everything else (index.html) must be revalidated.
    setHeaders: (reply, path) => {
      reply.header("cache-control", /[\\/]assets[\\/]/.test(path) ? "public, max-age=2592000, immutable" : "no-cache");
    },
  });
}

/** For a browser navigating to an app route (/chats/…), answer with index.html and let the app route it. */
export function isAppNavigation(request: FastifyRequest): boolean {
  const path = request.url.split("?")[0] ?? "";
  return (
    request.method === "GET" &&
    !path.startsWith("/api/") &&
    !path.startsWith("/v1/") &&
    (request.headers.accept ?? "").includes("text/html")
  );
}

/** Send the app's entry page. */
export function sendAppPage(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-cache").sendFile("index.html");
}

/**
 * The fetch every download outside src/llm should use (official data files, say): troupe's one HTTP transport,
 * so proxies from the environment, HTTP/2, the connect timeout and pooled connections apply there too. Without the
 * model-call size limit: downloads check their own sizes. The transport (undici) is imported on first use.
 */
export async function downloadFetch(): Promise<typeof globalThis.fetch> {
  const { sharedHttpTransport } = await import("./http-transport.ts");
  return sharedHttpTransport().fetchUnlimited;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import helmet, { type HelmetOptions } from "helmet";

/**
 * The API serves JSON only, so its default Content-Security-Policy allows nothing to load and
 * nothing to frame it. A route that serves HTML (the development playground) replaces the header
 * with its own policy by setting it on its reply: these headers are set as the request arrives,
 * before any route runs, and a header the reply sets is written over them.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

export function helmetOptions(options: { hsts: boolean }): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // Only meaningful over HTTPS (behind a TLS-terminating proxy in production); on plain http in
    // development it would pin browsers to an https://localhost that does not exist.
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  };
}

/**
 * The headers helmet sets with these options, asked of helmet once. With no per-request part
 * (no CSP nonces) they are the same for every response, so each request copies them rather than
 * running helmet's dozen middlewares and the async hook @fastify/helmet adds (5% of a `me`
 * request's CPU, profiled).
 */
export function securityHeaders(options: { hsts: boolean }): ReadonlyArray<[string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader(name: string, value: unknown) {
      headers.set(name, String(value));
      return response;
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let finished = false;
  helmet(helmetOptions(options))(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error instanceof Error ? error : new Error("helmet failed");
      finished = true;
    },
  );
  // Helmet's middlewares are synchronous; one that were not could be setting per-request values.
  if (!finished) throw new Error("helmet did not set its headers synchronously");
  return [...headers];
}

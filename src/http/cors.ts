import type { FastifyCorsOptions } from "@fastify/cors";

/**
 * CORS for an explicit allowlist of exact origins, or nothing at all. An origin off the list gets
 * no CORS headers (@fastify/cors steps aside when the origin callback answers false), so a
 * browser refuses to hand it the response; the request origin is never echoed unless listed, and
 * credentials (the refresh cookie) are allowed only together with a listed origin.
 */
export function corsPolicy(allowedOrigins: readonly string[]): FastifyCorsOptions | undefined {
  if (allowedOrigins.length === 0) return undefined;
  const allowed = new Set(allowedOrigins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    // One string, as written: the header reads "GET,POST", as it did behind express.
    methods: "GET,POST",
    exposedHeaders: ["X-Request-Id", "Retry-After", "WWW-Authenticate"],
    maxAge: 600,
    // A preflight with no Access-Control-Request-Method is answered 204 without CORS headers,
    // as the express `cors` middleware did, rather than with a text/plain 400.
    strictPreflight: false,
  };
}

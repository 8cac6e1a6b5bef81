import cors from "cors";
import type { RequestHandler } from "express";

/**
 * CORS for an explicit allowlist of exact origins, or nothing at all. An origin off the list gets
 * no CORS headers (the `cors` package steps aside when the origin callback answers false), so a
 * browser refuses to hand it the response; the request origin is never echoed unless listed, and
 * credentials (the refresh cookie) are allowed only together with a listed origin.
 */
export function corsPolicy(allowedOrigins: readonly string[]): RequestHandler | undefined {
  if (allowedOrigins.length === 0) return undefined;
  const allowed = new Set(allowedOrigins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ["GET", "POST"],
    exposedHeaders: ["X-Request-Id", "Retry-After", "WWW-Authenticate"],
    maxAge: 600,
  });
}

import helmet from "helmet";
import type { RequestHandler } from "express";

/**
 * The API serves JSON only, so its default Content-Security-Policy allows nothing to load and
 * nothing to frame it. A route that serves HTML (the development playground) replaces the header
 * with its own policy by calling `res.setHeader("Content-Security-Policy", ...)` in its handler:
 * helmet sets every header here, before any route runs, and nothing sets them again afterwards.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

export function securityHeaders(options: { hsts: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // Only meaningful over HTTPS (behind a TLS-terminating proxy in production); on plain http in
    // development it would pin browsers to an https://localhost that does not exist.
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });
}

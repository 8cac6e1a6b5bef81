import type { FastifyHelmetOptions } from "@fastify/helmet";

/**
 * The API serves JSON only, so its default Content-Security-Policy allows nothing to load and
 * nothing to frame it. A route that serves HTML (the development playground) replaces the header
 * with its own policy by setting it on its reply: helmet sets every header here, as the request
 * arrives and before any route runs, and a header the reply sets is written over it.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

export function securityHeaders(options: { hsts: boolean }): FastifyHelmetOptions {
  return {
    global: true,
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

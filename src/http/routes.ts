import type { FastifyInstance } from "fastify";
import type { KeyRing } from "../auth/key-ring";

export interface ProbeRoutesOptions {
  readonly keys: KeyRing;
  /** Whether the database answers and every migration is applied. */
  readonly isReady: () => Promise<boolean>;
  /** Figures reported beside the status (event-loop delay, revocation view age). */
  readonly readiness?: () => object;
}

/** The contract's HTTP surface besides GraphQL: liveness, readiness and the public keys. */
export function probeRoutes(app: FastifyInstance, options: ProbeRoutesOptions): void {
  app.get("/healthz", (_request, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = await options.isReady().catch(() => false);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "unavailable", ...options.readiness?.() });
  });
  app.get("/.well-known/jwks.json", (_request, reply) =>
    reply.header("Cache-Control", "public, max-age=300").send(options.keys.jwks()),
  );
}

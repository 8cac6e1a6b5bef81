import { Router } from "express";
import type { KeyRing } from "../auth/key-ring";

export interface ProbeRoutesOptions {
  readonly keys: KeyRing;
  /** Whether the database answers and every migration is applied. */
  readonly isReady: () => Promise<boolean>;
  /** Figures reported beside the status (event-loop delay, revocation view age). */
  readonly readiness?: () => object;
}

/** The contract's HTTP surface besides GraphQL: liveness, readiness and the public keys. */
export function probeRoutes(options: ProbeRoutesOptions): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const ready = await options.isReady().catch(() => false);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? "ready" : "unavailable", ...options.readiness?.() });
  });
  router.get("/.well-known/jwks.json", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json(options.keys.jwks());
  });
  return router;
}

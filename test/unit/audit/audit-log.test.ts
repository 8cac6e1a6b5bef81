import { AuditLog, emailFingerprint } from "../../../src/audit/audit-log";
import { CapturedLog } from "../../support/captured-log";

const META = { requestId: "req-1", clientAddress: "203.0.113.7", userAgent: null };
const ORIGIN_R = { requestId: "r", clientAddress: null, userAgent: null };

describe("AuditLog", () => {
  it("writes one line with audit: true, the event, the request id and the fields", () => {
    const log = new CapturedLog("info");
    new AuditLog(log.logger).record("login.succeeded", META, { userId: "u1", sessionId: "s1" });
    expect(log.lines()).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        audit: true,
        event: "login.succeeded",
        requestId: "req-1",
        clientAddress: "203.0.113.7",
        userId: "u1",
        sessionId: "s1",
        msg: "login.succeeded",
      },
    ]);
  });

  it("still writes at info when LOG_LEVEL is warn or error, and nothing when silent", () => {
    for (const level of ["warn", "error"]) {
      const log = new CapturedLog(level);
      new AuditLog(log.logger).record("logout", ORIGIN_R, { userId: "u" });
      expect(log.auditLines()).toHaveLength(1);
      log.logger.info("chatter");
      expect(log.lines()).toHaveLength(1);
    }
    const silent = new CapturedLog("silent");
    new AuditLog(silent.logger).record("logout", ORIGIN_R);
    expect(silent.text()).toBe("");
  });

  it("records reuse detection as a warning", () => {
    const log = new CapturedLog("info");
    new AuditLog(log.logger).record("refresh.reuse_detected", META, { sessionId: "s" });
    expect(log.auditLines()[0]).toMatchObject({ level: 40, event: "refresh.reuse_detected" });
  });

  it("offers the rate limiter a rate_limited event", () => {
    const log = new CapturedLog("info");
    new AuditLog(log.logger).rateLimited(META, { scope: "address", operation: "login" });
    expect(log.auditLines()).toEqual([
      expect.objectContaining({
        audit: true,
        event: "rate_limited",
        requestId: "req-1",
        scope: "address",
        operation: "login",
      }),
    ]);
  });
});

describe("emailFingerprint", () => {
  it("is short, stable across case and spaces, and does not contain the address", () => {
    const fingerprint = emailFingerprint("Ada@Example.com ");
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(emailFingerprint("ada@example.com")).toBe(fingerprint);
    expect(emailFingerprint("bob@example.com")).not.toBe(fingerprint);
    expect(fingerprint.toLowerCase()).not.toContain("ada");
  });
});

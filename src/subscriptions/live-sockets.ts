import type { Principal } from "../core/principal";
import { CloseCode, CloseReason } from "./close-codes";

/** A signed-in socket: whom it speaks for, as verified at connection_init, and how to end it. */
export interface LiveSocket {
  readonly principal: Principal;
  close(code: number, reason: string): void;
}

/**
 * The signed-in sockets of this instance, by session: what the revocation view learns of ended
 * sessions (from this instance, from Redis, or from the log) closes their sockets at once.
 */
export class LiveSockets {
  private readonly bySession = new Map<string, Set<LiveSocket>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(socket: LiveSocket): void {
    const { sessionId } = socket.principal;
    let sockets = this.bySession.get(sessionId);
    if (!sockets) {
      sockets = new Set();
      this.bySession.set(sessionId, sockets);
    }
    if (!sockets.has(socket)) this.count++;
    sockets.add(socket);
  }

  /** How many signed-in sockets a session holds here. */
  countOf(sessionId: string): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  remove(socket: LiveSocket): void {
    const { sessionId } = socket.principal;
    const sockets = this.bySession.get(sessionId);
    if (!sockets?.delete(socket)) return;
    this.count--;
    if (sockets.size === 0) this.bySession.delete(sessionId);
  }

  /** The revocation observer's hook: every socket of these sessions closes with 4401. */
  sessionsEnded(sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      for (const socket of [...(this.bySession.get(sessionId) ?? [])]) {
        this.remove(socket);
        socket.close(CloseCode.Unauthorized, CloseReason.Unauthorized);
      }
    }
  }

  all(): LiveSocket[] {
    return [...this.bySession.values()].flatMap((sockets) => [...sockets]);
  }
}

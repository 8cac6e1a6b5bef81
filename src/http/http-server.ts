import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StartupError } from "../core/startup-error";

/**
 * The listening socket, as a part of the application's lifecycle: `start` listens, `stop` stops
 * accepting and drains in-flight requests, closing keep-alive connections as they go idle. The
 * node server is the HTTP app's (created with it, answering its requests); it listens once.
 */
export class HttpServer {
  private server?: Server;
  private address?: AddressInfo;

  constructor(
    private readonly created: Server,
    private readonly port: number,
    private readonly host: string,
    /** Settings made on the server before it listens (timeouts, the connection bound). */
    private readonly prepare: (server: Server) => void = () => undefined,
  ) {}

  /** `http://host:port` once listening. */
  get url(): string {
    if (!this.address) throw new Error("The HTTP server is not listening");
    const { family, address, port } = this.address;
    return `http://${family === "IPv6" ? `[${address}]` : address}:${port}`;
  }

  async start(): Promise<void> {
    const server = this.created;
    this.prepare(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(this.listenFailure(error)));
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
  }

  /** What a person starting the server needs to read when it cannot listen, in one line. */
  private listenFailure(error: NodeJS.ErrnoException): Error {
    const where = `${this.host}:${this.port}`;
    switch (error.code) {
      case "EADDRINUSE":
        return new StartupError(
          `Port ${this.port} is already in use: stop the other server or set PORT`,
        );
      case "EACCES":
        return new StartupError(
          `Port ${this.port} on ${this.host} needs privileges: set PORT to one above 1023`,
        );
      case "EADDRNOTAVAIL":
      case "ENOTFOUND":
        return new StartupError(`HOST ${this.host} is not an address of this machine: set HOST`);
      default:
        return new StartupError(`Cannot listen on ${where}: ${error.message}`);
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      // A keep-alive connection whose request finishes during the drain turns idle and would
      // hold the close until its keep-alive timeout: close such connections as they go idle.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(sweeper);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}

import { connect, type Socket } from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

export interface RawRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * One HTTP/1.1 request on a connection opened beforehand, written by `send` in a single call.
 * `fetch` would connect and write only on later turns of the event loop; this puts the whole
 * request into the kernel at once, so a test can send it and then block the loop, and the
 * server finds it waiting when the loop is free again.
 */
export class PreparedRequest {
  readonly response: Promise<RawResponse>;

  private constructor(
    private readonly socket: Socket,
    private readonly bytes: Buffer,
  ) {
    this.response = readResponse(socket);
  }

  static async open(baseUrl: string, request: RawRequest): Promise<PreparedRequest> {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const body = request.body ?? "";
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      `Host: ${url.host}`,
      "Connection: close",
      ...Object.entries({ ...request.headers, "content-length": String(Buffer.byteLength(body)) })
        .filter(([name]) => request.method === "POST" || name !== "content-length")
        .map(([name, value]) => `${name}: ${value}`),
    ].join("\r\n");
    return new PreparedRequest(socket, Buffer.from(`${head}\r\n\r\n${body}`));
  }

  /** A GraphQL POST with an optional bearer token. */
  static graphql(baseUrl: string, query: string, token?: string): Promise<PreparedRequest> {
    return PreparedRequest.open(baseUrl, {
      method: "POST",
      path: "/graphql",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
  }

  send(): void {
    this.socket.write(this.bytes);
  }

  /** Closes the connection unsent; its response, which can no longer come, is not awaited. */
  abandon(): void {
    this.response.catch(() => undefined);
    this.socket.destroy();
  }
}

/** Reads one response up to the server's close (the request said `Connection: close`). */
function readResponse(socket: Socket): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", reject);
    socket.once("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (split === -1 || !status) {
        reject(new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const head = text.slice(0, split);
      const rest = text.slice(split + 4);
      const chunked = /^transfer-encoding: *chunked/im.test(head);
      resolve({ status: Number(status[1]), body: chunked ? dechunk(rest) : rest });
    });
  });
}

function dechunk(text: string): string {
  let body = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return body;
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Holds the event loop of this process (and so of every in-process test server) for `ms`, as
 * a heavy request would, from a timer callback; `first` runs just before. Atomics.wait blocks
 * the thread without spinning, so other processes on a shared machine keep their CPU.
 */
export function blockEventLoop(ms: number, first: () => void = () => undefined): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(() => {
      first();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      resolve();
    }, 0);
  });
}

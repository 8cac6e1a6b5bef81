import { Readable } from "node:stream";
import { type ApolloServer, type BaseContext, HeaderMap } from "@apollo/server";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Apollo Server on a fastify route, as `@as-integrations/fastify` does it, with one difference:
 * that package builds `new URL(request.url, protocol://hostname)` for every request to find the
 * query string, which throws on a Host header no URL can hold (`Host: a b`) and so answered such
 * a request with a 500; it also costs a URL parse per request. The query string is read off the
 * request line here instead, and nothing depends on the Host header.
 */
export function apolloHandler<Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  context: (request: FastifyRequest, reply: FastifyReply) => Promise<Context>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<string | FastifyReply> {
  apollo.assertStarted("apolloHandler()");
  return async (request, reply) => {
    const { headers, body, status } = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: request.method.toUpperCase(),
        headers: headerMap(request.headers),
        search: searchOf(request.url),
        body: request.body,
      },
      context: () => context(request, reply),
    });
    for (const [name, value] of headers) void reply.header(name, value);
    void reply.code(status ?? 200);
    if (body.kind === "complete") return body.string;
    return reply.send(Readable.from(body.asyncIterator));
  };
}

/** `?a=b` of `/graphql?a=b`, or "" (what Apollo reads GET operations from). */
function searchOf(url: string): string {
  const start = url.indexOf("?");
  return start === -1 ? "" : url.slice(start);
}

function headerMap(headers: FastifyRequest["headers"]): HeaderMap {
  const map = new HeaderMap();
  for (const name in headers) {
    const value = headers[name];
    if (value) map.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return map;
}

import { createServer, type Server } from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import fastifyCors from "@fastify/cors";
import fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { KeyRing } from "../auth/key-ring";
import type { GraphQLLimits, TrustProxy } from "../config/config";
import type { IncomingRequest } from "../context/context.factory";
import type { RequestContext } from "../context/context.type";
import { ErrorCode } from "../errors/error-code";
import { createFormatError } from "../errors/format-error";
import { httpErrorBody, unexpectedErrorBody } from "../errors/http-error-body";
import { fieldRepeatsGuard } from "../request-limits/field-repeats";
import { limitRules, parseOptions } from "../request-limits/document-limits";
import type { Logger } from "../logging/logger";
import { registerPlayground } from "../playground/playground";
import { batchLimit } from "../request-limits/batch-limit";
import { apolloHandler } from "./apollo-handler";
import { corsPolicy } from "./cors";
import {
  REQUEST_ID_HEADER,
  requestIdFor,
  requestLogging,
  type RequestLogPolicy,
} from "./request-logging";
import { probeRoutes } from "./routes";
import { securityHeaders } from "./security-headers";

export interface HttpAppOptions {
  readonly schema: GraphQLSchema;
  readonly keys: KeyRing;
  readonly logger: Logger;
  readonly requestLog: RequestLogPolicy;
  readonly introspection: boolean;
  /** Serve our offline GraphiQL page on browser GETs of /graphql. */
  readonly playground: boolean;
  readonly trustProxy: TrustProxy;
  readonly plugins: readonly ApolloServerPlugin<RequestContext>[];
  readonly suggestions: boolean;
  /** Whether a FORBIDDEN error may carry `extensions.authz` (which rule refused); off in production. */
  readonly explainRefusals: boolean;
  readonly limits: GraphQLLimits;
  readonly corsOrigins: readonly string[];
  readonly hsts: boolean;
  readonly isReady: () => Promise<boolean>;
  /** Figures /readyz reports beside its status (event-loop delay, revocation view age). */
  readonly readiness?: () => object;
  readonly createContext: (request: IncomingRequest) => Promise<RequestContext>;
}

export const GRAPHQL_PATH = "/graphql";

/**
 * Parsed and validated documents are kept, so a repeated query skips both. Apollo's default
 * store holds 30 MiB as it counts them (the JSON length of each AST), which with the locations
 * and the token chain they keep is about four times that on the heap: 20,000 distinct
 * documents of 3 KB, which anyone may send, kept ~110 MB alive and took the process to ~570 MB
 * resident. A client's own operations are a few dozen documents of a few kB each as counted.
 */
export const DOCUMENT_CACHE_BYTES = 4 * 1024 * 1024;

/** Every method but HEAD, which fastify answers from the GET route: Apollo refuses the others (405). */
const GRAPHQL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

/**
 * The Apollo server, started, and the HTTP app around it, ready, with the node server it
 * answers on; listening is HttpServer's business, and `apollo.stop()` the caller's once the
 * listener is closed.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<{
  app: FastifyInstance;
  server: Server;
  apollo: ApolloServer<RequestContext>;
}> {
  const repeats = fieldRepeatsGuard(options.limits.maxFieldRepeats);
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: true,
    documentStore: new InMemoryLRUCache<DocumentNode>({ maxSize: DOCUMENT_CACHE_BYTES }),
    parseOptions: parseOptions(options.limits),
    validationRules: [...limitRules(options.limits), repeats.rule],
    // The composition root owns shutdown (drain HTTP, stop Apollo, close the database); Apollo's
    // own signal handlers would race it and leave apollo.stop() waiting forever.
    stopOnTerminationSignals: false,
    formatError: createFormatError(options.logger, {
      suggestions: options.suggestions,
      explainRefusals: options.explainRefusals,
    }),
    plugins: [
      repeats.plugin,
      ...options.plugins,
      // Cache-Control is ours alone (no-store on every /graphql response, set below, including
      // those answered before Apollo); Apollo's plugin would make a response cacheable the day a
      // @cacheControl hint appeared in the schema.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's own landing page (Sandbox) loads from a CDN: always off, we serve our own.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  let server: Server | undefined;
  const app = fastify<Server>({
    // The node server is ours: HttpServer listens on it, with the timeouts and the connection
    // bound of server-timeouts.ts, and graphql-ws takes its upgrades.
    serverFactory: (handler) => (server = createServer(handler)),
    // Which X-Forwarded-For entries request.ip may come from; off unless TRUST_PROXY says
    // otherwise (the same proxy-addr rules express used).
    trustProxy: trustProxyOption(options.trustProxy),
    bodyLimit: options.limits.maxBodyBytes,
    genReqId: requestIdFor,
    // Our own sampled request log (request-logging.ts) and error log (below): fastify logs nothing.
    logger: false,
    routerOptions: { ignoreTrailingSlash: true },
  });

  const writeRequestLog = requestLogging(options.logger, options.requestLog);
  const helmetHeaders = securityHeaders({ hsts: options.hsts });
  app.addHook("onRequest", (request, reply, done) => {
    // On the raw response, so that the headers stay on every answer, an error's included.
    const response = reply.raw;
    for (const [name, value] of helmetHeaders) response.setHeader(name, value);
    response.setHeader(REQUEST_ID_HEADER, request.id);
    // Responses carry tokens and personal data: never cache them anywhere.
    if (isGraphQLPath(request.url)) response.setHeader("Cache-Control", "no-store");
    writeRequestLog(request.raw, response, request.id);
    done();
  });
  const cors = corsPolicy(options.corsOrigins);
  if (cors) await app.register(fastifyCors, cors);

  // JSON bodies as fastify parses them (secure-json-parse: no __proto__ or constructor keys).
  // Any other body is read, within the limit, and dropped: Apollo then refuses the request
  // itself, as CSRF prevention has it, rather than fastify answering 415 first.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, parseJson);
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, _body, done) => {
    done(null, undefined);
  });

  probeRoutes(app, {
    keys: options.keys,
    isReady: options.isReady,
    readiness: options.readiness,
  });
  const playground = options.playground ? registerPlayground(app, GRAPHQL_PATH) : undefined;

  const graphql = apolloHandler(apollo, (request, reply) =>
    options.createContext(incomingRequest(request, reply)),
  );
  app.route({
    method: [...GRAPHQL_METHODS],
    url: GRAPHQL_PATH,
    preHandler: batchLimit(options.limits.maxBatch),
    handler(request, reply) {
      if (playground?.wantsPage(request)) {
        void reply.code(200).headers(playground.pageHeaders);
        return playground.page;
      }
      return graphql(request, reply);
    },
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(httpErrorBody(ErrorCode.NotFound, "Not found.")),
  );
  app.setErrorHandler(jsonErrorHandler(options.logger));
  await app.ready();
  if (!server) throw new Error("fastify did not create its server");
  return { app, server, apollo };
}

/** TRUST_PROXY as fastify takes it: a hop count is a function of the hop (as proxy-addr reads one). */
function trustProxyOption(
  trustProxy: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy === "number") return (_address, hop) => hop < trustProxy;
  return typeof trustProxy === "object" ? [...trustProxy] : trustProxy;
}

function isGraphQLPath(url: string): boolean {
  if (!url.startsWith(GRAPHQL_PATH)) return false;
  const next = url.charCodeAt(GRAPHQL_PATH.length);
  // "/graphql", "/graphql?...", "/graphql/"; not "/graphqlx".
  return Number.isNaN(next) || next === 0x3f || next === 0x2f;
}

/** What the context factory needs of a fastify request. */
function incomingRequest(request: FastifyRequest, reply: FastifyReply): IncomingRequest {
  return {
    headers: request.headers,
    requestId: request.id,
    // Behind a proxy, the proxy's address unless TRUST_PROXY names it.
    clientAddress: request.ip || (request.socket.remoteAddress ?? null),
    response: { append: (field, value) => reply.header(field, value) },
  };
}

/** Fastify's refusals of a body. */
const TOO_LARGE = "FST_ERR_CTP_BODY_TOO_LARGE";

/** Body-parsing and other HTTP-level failures as JSON, never an HTML page or a stack trace. */
function jsonErrorHandler(
  logger: Logger,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    const status = error.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send(
          status === 413 || error.code === TOO_LARGE
            ? httpErrorBody(ErrorCode.PayloadTooLarge, "The request body is too large.")
            : httpErrorBody(ErrorCode.BadRequest, "The request body is not valid JSON."),
        );
    }
    logger.error({ requestId: request.id, err: error }, "unhandled HTTP error");
    return reply.code(500).send(unexpectedErrorBody());
  };
}

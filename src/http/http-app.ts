import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import express, { type ErrorRequestHandler, type Express, type Request } from "express";
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
import { playgroundRouter } from "../playground/playground";
import { batchLimit } from "../request-limits/batch-limit";
import { corsPolicy } from "./cors";
import { requestIdOf, requestLogging, type RequestLogPolicy } from "./request-logging";
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
/**
 * Parsed and validated documents are kept, so a repeated query skips both. Apollo's default
 * store holds 30 MiB as it counts them (the JSON length of each AST), which with the locations
 * and the token chain they keep is about four times that on the heap: 20,000 distinct
 * documents of 3 KB, which anyone may send, kept ~110 MB alive and took the process to ~570 MB
 * resident. A client's own operations are a few dozen documents of a few kB each as counted.
 */
export const DOCUMENT_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * The Apollo server, started, and the HTTP app around it; listening is HttpServer's business,
 * and `apollo.stop()` the caller's once the listener is closed.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<{
  app: Express;
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
      // those express answers before Apollo); Apollo's plugin would make a response cacheable
      // the day a @cacheControl hint appeared in the schema.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's own landing page (Sandbox) loads from a CDN: always off, we serve our own.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  // Which X-Forwarded-For entries req.ip may come from; off unless TRUST_PROXY says otherwise.
  const { trustProxy } = options;
  app.set("trust proxy", typeof trustProxy === "object" ? [...trustProxy] : trustProxy);
  app.use(requestLogging(options.logger, options.requestLog));
  app.use(securityHeaders({ hsts: options.hsts }));
  const cors = corsPolicy(options.corsOrigins);
  if (cors) app.use(cors);

  app.use(
    probeRoutes({ keys: options.keys, isReady: options.isReady, readiness: options.readiness }),
  );
  if (options.playground) app.use(playgroundRouter(GRAPHQL_PATH));

  app.use(
    GRAPHQL_PATH,
    (_req, res, next) => {
      // Responses carry tokens and personal data: never cache them anywhere.
      res.set("Cache-Control", "no-store");
      next();
    },
    express.json({ limit: options.limits.maxBodyBytes }),
    batchLimit(options.limits.maxBatch),
    expressMiddleware(apollo, {
      context: ({ req, res }) => options.createContext(incomingRequest(req, res)),
    }),
  );

  app.use((_req, res) => {
    res.status(404).json(httpErrorBody(ErrorCode.NotFound, "Not found."));
  });
  app.use(jsonErrorHandler(options.logger));
  return { app, apollo };
}

/** What the context factory needs of an express request. */
function incomingRequest(req: Request, res: express.Response): IncomingRequest {
  return {
    headers: req.headers,
    requestId: requestIdOf(req),
    // Behind a proxy, the proxy's address unless TRUST_PROXY names it (express "trust proxy").
    clientAddress: req.ip ?? req.socket.remoteAddress ?? null,
    response: res,
  };
}

/** Body-parser and other HTTP-level failures as JSON, never an HTML page with a stack trace. */
function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res
        .status(status)
        .json(
          status === 413
            ? httpErrorBody(ErrorCode.PayloadTooLarge, "The request body is too large.")
            : httpErrorBody(ErrorCode.BadRequest, "The request body is not valid JSON."),
        );
      return;
    }
    logger.error({ requestId: requestIdOf(req), err: error }, "unhandled HTTP error");
    res.status(500).json(unexpectedErrorBody());
  };
}

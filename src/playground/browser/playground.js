/*
 * The playground page's own script, run after the React, ReactDOM and GraphiQL UMD bundles (a
 * file rather than an inline script, so the page's CSP can forbid inline scripts).
 *
 * Its fetcher keeps the access token that login, register or refresh return (under any alias)
 * in memory and sends it as `Authorization: Bearer ...` until logout, unless the Headers editor
 * sets Authorization itself. Nothing is written to localStorage: queries may carry passwords and
 * responses carry tokens, so the playground forgets everything when the tab closes. The refresh
 * token stays in its HttpOnly cookie, where `refresh` (with no argument) finds it.
 */
(function () {
  "use strict";

  const { GraphiQL, React, ReactDOM } = window;
  const { Kind, parse } = GraphiQL.GraphQL;
  const h = React.createElement;

  const TOKEN_ISSUERS = new Set(["login", "register", "refresh"]);

  const DEFAULT_QUERY = `# Run Login, then Me (the run button asks which).
# The access token that login, register or refresh
# return is kept in memory, for this tab, and sent
# as "Authorization: Bearer <token>" until Logout.
# An Authorization set in the Headers tab wins.

mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    accessToken
    expiresIn
    user { id email roles }
  }
}

query Me {
  me { id email displayName roles }
}

# The refresh token is in its HttpOnly cookie.
mutation Refresh {
  refresh { accessToken expiresIn }
}

mutation Logout {
  logout
}
`;
  const DEFAULT_VARIABLES = `{
  "email": "ada@example.com",
  "password": "correct horse battery"
}
`;

  /** The access token, in memory only; components subscribe to show it. */
  const tokenStore = (function () {
    let token = null;
    const listeners = new Set();
    return {
      current: () => token,
      set(next) {
        if (next === token) return;
        token = next;
        for (const listener of listeners) listener(token);
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  })();

  /** Fields of a selection set with fragments flattened, as the executor would merge them. */
  function collectFields(selectionSet, fragments, into = []) {
    for (const selection of selectionSet ? selectionSet.selections : []) {
      if (selection.kind === Kind.FIELD) {
        into.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collectFields(selection.selectionSet, fragments, into);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) collectFields(fragment.selectionSet, fragments, into);
      }
    }
    return into;
  }

  const responseKey = (field) => (field.alias ? field.alias.value : field.name.value);

  /**
   * Where in the response of this request tokens appear: the response keys of top-level
   * login/register/refresh fields with the response keys of their accessToken fields, and the
   * response keys of top-level logout fields.
   */
  function tokenPaths(params, documentAST) {
    let document = documentAST;
    if (!document) {
      try {
        document = parse(params.query);
      } catch {
        return { issuers: [], logouts: [] };
      }
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = params.operationName
      ? operations.find((o) => o.name && o.name.value === params.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    if (!operation || operation.operation !== "mutation") return { issuers: [], logouts: [] };
    const fragments = new Map(
      document.definitions
        .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    const issuers = [];
    const logouts = [];
    for (const field of collectFields(operation.selectionSet, fragments)) {
      if (TOKEN_ISSUERS.has(field.name.value)) {
        for (const inner of collectFields(field.selectionSet, fragments)) {
          if (inner.name.value === "accessToken") {
            issuers.push({ key: responseKey(field), tokenKey: responseKey(inner) });
          }
        }
      } else if (field.name.value === "logout") {
        logouts.push(responseKey(field));
      }
    }
    return { issuers, logouts };
  }

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some((name) => name.toLowerCase() === "authorization");
  }

  /** A 401: the request as a whole was refused for its token (expired, revoked, malformed). */
  function tokenRefused(result) {
    return (
      result &&
      typeof result === "object" &&
      !("data" in result) &&
      Array.isArray(result.errors) &&
      result.errors.some((e) => e && e.extensions && e.extensions.code === "UNAUTHENTICATED")
    );
  }

  function remember(result, paths) {
    const data = result && typeof result === "object" ? result.data : undefined;
    if (!data) return;
    for (const key of paths.logouts) {
      if (data[key] === true) tokenStore.set(null);
    }
    for (const { key, tokenKey } of paths.issuers) {
      const payload = data[key];
      if (payload && typeof payload[tokenKey] === "string") tokenStore.set(payload[tokenKey]);
    }
  }

  const endpoint = document.getElementById("graphiql").dataset.endpoint;
  // JSON POSTs (never GET), which Apollo's CSRF prevention accepts; plain responses, so each
  // result can be read for tokens.
  const baseFetcher = GraphiQL.createFetcher({ url: endpoint, enableIncrementalDelivery: false });

  async function fetcher(params, options) {
    const editorHeaders = (options && options.headers) || {};
    const token = tokenStore.current();
    const useOurs = token !== null && !hasAuthorization(editorHeaders);
    const headers = useOurs
      ? { ...editorHeaders, Authorization: `Bearer ${token}` }
      : editorHeaders;
    const result = await baseFetcher(params, { ...options, headers });
    if (useOurs && tokenRefused(result)) {
      // Expired or revoked: sending it again would only fail again. `refresh` gets a new one.
      tokenStore.set(null);
    }
    remember(result, tokenPaths(params, options && options.documentAST));
    return result;
  }

  /** GraphiQL's storage, kept in memory: see the top of this file. */
  const memoryStorage = (function () {
    const items = new Map();
    return {
      getItem: (key) => (items.has(key) ? items.get(key) : null),
      setItem: (key, value) => void items.set(key, String(value)),
      removeItem: (key) => void items.delete(key),
      clear: () => items.clear(),
      get length() {
        return items.size;
      },
    };
  })();

  function TokenStatus() {
    const [token, setToken] = React.useState(tokenStore.current());
    React.useEffect(() => tokenStore.subscribe(setToken), []);
    if (token === null) {
      return h(
        "div",
        { className: "playground-token", "data-testid": "token-status" },
        "No access token yet: run login, register or refresh, and it is sent with later requests.",
      );
    }
    return h(
      "div",
      { className: "playground-token", "data-testid": "token-status" },
      h(
        "span",
        null,
        "Sending ",
        h("code", null, `Authorization: Bearer …${token.slice(-8)}`),
        " from the last login, register or refresh (an Authorization in the Headers tab wins).",
      ),
      h(
        "button",
        { type: "button", className: "graphiql-button", onClick: () => tokenStore.set(null) },
        "Forget token",
      ),
    );
  }

  const url = new URLSearchParams(window.location.search);
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    h(
      GraphiQL,
      {
        fetcher,
        storage: memoryStorage,
        shouldPersistHeaders: false,
        defaultQuery: DEFAULT_QUERY,
        query: url.get("query") ?? undefined,
        variables: url.get("variables") ?? (url.has("query") ? undefined : DEFAULT_VARIABLES),
        operationName: url.get("operationName") ?? undefined,
        defaultEditorToolsVisibility: "variables",
      },
      h(GraphiQL.Footer, null, h(TokenStatus)),
    ),
  );
})();

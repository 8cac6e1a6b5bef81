/*
 * The playground page's own script, run after the React, ReactDOM and GraphiQL UMD bundles (a
 * file rather than an inline script, so the page's CSP can forbid inline scripts).
 *
 * Its fetcher keeps the access token that login, register or refresh return (under any alias)
 * in memory and sends it as `Authorization: Bearer ...` until logout, unless the Headers editor
 * sets Authorization itself. Operations that sign in (login, register, refresh) never carry the
 * kept token: they need none, and an expired one would get the whole request refused with 401.
 * When the API refuses the kept token (401: expired or revoked), the fetcher trades the refresh
 * cookie for a new access token once, as the example web app's auth link does, and retries.
 *
 * Nothing is written to localStorage: queries may carry passwords and responses carry tokens, so
 * the playground forgets everything when the tab closes. The refresh token stays in its HttpOnly
 * cookie, where `refresh` (with no argument) finds it.
 */
(function () {
  "use strict";

  const { GraphiQL, React, ReactDOM } = window;
  const { Kind, parse } = GraphiQL.GraphQL;
  const h = React.createElement;

  const TOKEN_ISSUERS = new Set(["login", "register", "refresh"]);

  const DEFAULT_QUERY = `# On a fresh database run Register first; afterwards,
# Login. Then Me. Put the cursor in an operation and
# press Ctrl-Enter, or pick one from the run button.
#
# The access token that login, register or refresh
# return is kept in memory, for this tab, and sent as
# "Authorization: Bearer <token>" until Logout. When
# it has expired, the refresh cookie renews it once.
# An Authorization set in the Headers tab wins.

mutation Register($email: String!, $password: String!) {
  register(input: { email: $email, password: $password }) {
    accessToken
    expiresIn
    user { id email roles }
  }
}

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

# EDITOR or ADMIN. Owners' ids and names are readable;
# another user's email needs ADMIN (user:read:any).
query AllTasks {
  allTasks(first: 20) { id title done owner { id displayName } }
}

# A session narrowed to reading tasks: its tokens are
# refused createTask with INSUFFICIENT_SCOPE.
mutation LoginReadOnly($email: String!, $password: String!) {
  login(input: { email: $email, password: $password, scope: "task:read" }) {
    accessToken
    user { id email roles }
  }
}

# Live changes to your tasks over graphql-ws, with the
# kept token; run createTask in another tab to see one.
subscription TaskEvents {
  taskEvents { kind taskId task { id title done } }
}
`;
  const DEFAULT_VARIABLES = `{
  "email": "ada@example.com",
  "password": "correct horse battery"
}
`;

  /** What `exp` says, in milliseconds; null when the token is not a JWT this page can read. */
  function expiresAt(jwt) {
    try {
      const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(payload));
      return typeof claims.exp === "number" ? claims.exp * 1000 : null;
    } catch {
      return null;
    }
  }

  /**
   * The access token, in memory only, with where it came from (`login`, `register`, `refresh`,
   * or `cookie` for a renewal after a 401) and when; or, when there is none, why. Components
   * subscribe to show it.
   */
  const tokenStore = (function () {
    let held = { token: null, reason: "initial" };
    const listeners = new Set();
    const publish = (next) => {
      held = next;
      for (const listener of listeners) listener(held);
    };
    return {
      current: () => held,
      jwt: () => held.token && held.token.jwt,
      keep(jwt, source) {
        if (held.token && held.token.jwt === jwt) return;
        publish({ token: { jwt, source, at: Date.now(), expiresAt: expiresAt(jwt) } });
      },
      forget(reason) {
        publish({ token: null, reason });
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

  /** The operation a request runs: the named one, or the document's only one. */
  function selectedOperation(document, operationName) {
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    return operationName
      ? operations.find((o) => o.name && o.name.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  }

  function isSubscription(params, documentAST) {
    try {
      const operation = selectedOperation(documentAST || parse(params.query), params.operationName);
      return Boolean(operation && operation.operation === "subscription");
    } catch {
      return false;
    }
  }

  /**
   * What this request does with tokens: whether it signs in (a top-level login, register or
   * refresh, which must not carry the kept token), the response keys of those fields with the
   * response keys of their accessToken fields, and the response keys of top-level logout fields.
   */
  function tokenPaths(params, documentAST) {
    const none = { signsIn: false, issuers: [], logouts: [] };
    let document = documentAST;
    if (!document) {
      try {
        document = parse(params.query);
      } catch {
        return none;
      }
    }
    const operation = selectedOperation(document, params.operationName);
    if (!operation || operation.operation !== "mutation") return none;
    const fragments = new Map(
      document.definitions
        .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    let signsIn = false;
    const issuers = [];
    const logouts = [];
    for (const field of collectFields(operation.selectionSet, fragments)) {
      if (TOKEN_ISSUERS.has(field.name.value)) {
        signsIn = true;
        for (const inner of collectFields(field.selectionSet, fragments)) {
          if (inner.name.value === "accessToken") {
            issuers.push({
              key: responseKey(field),
              source: field.name.value,
              tokenKey: responseKey(inner),
            });
          }
        }
      } else if (field.name.value === "logout") {
        logouts.push(responseKey(field));
      }
    }
    return { signsIn, issuers, logouts };
  }

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some((name) => name.toLowerCase() === "authorization");
  }

  function remember(body, paths) {
    const data = body && typeof body === "object" ? body.data : undefined;
    if (!data) return;
    for (const key of paths.logouts) {
      if (data[key] === true) tokenStore.forget("logout");
    }
    for (const { key, source, tokenKey } of paths.issuers) {
      const payload = data[key];
      if (payload && typeof payload[tokenKey] === "string")
        tokenStore.keep(payload[tokenKey], source);
    }
  }

  const endpoint = document.getElementById("graphiql").dataset.endpoint;

  /**
   * One JSON POST (never GET: Apollo's CSRF prevention accepts it), answered with the status as
   * well as the body, since only a 401 says "this bearer token is refused". The browser sends the
   * refresh cookie with it: same origin, and the cookie's path is this endpoint.
   */
  async function post(body, headers) {
    const response = await fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      const message = `HTTP ${response.status} ${response.statusText}: the API did not answer JSON.`;
      return { status: response.status, body: { errors: [{ message }] } };
    }
  }

  // The refresh token is not selected: it stays in its HttpOnly cookie, out of this page.
  const RENEW = "mutation PlaygroundRenew { refresh { accessToken } }";
  let renewal = null;

  /**
   * A new access token from the refresh cookie after `rejected` was refused, or null when the
   * session is over. Single-flight: requests refused together share one refresh, because a
   * refresh token is single-use; and a token someone else's refresh already replaced is used as
   * it is. Sent without Authorization: the API refuses any request carrying a bad bearer token.
   */
  function renewFromCookie(rejected) {
    const current = tokenStore.jwt();
    if (current && current !== rejected) return Promise.resolve(current);
    renewal ??= post({ query: RENEW, operationName: "PlaygroundRenew" }, {})
      .then(({ body }) => {
        const jwt = body && body.data && body.data.refresh && body.data.refresh.accessToken;
        if (typeof jwt !== "string") throw new Error("the refresh cookie was refused");
        tokenStore.keep(jwt, "cookie");
        return jwt;
      })
      // Refused (session ended, cookie gone) or unreachable: either way no token to send.
      .catch(() => {
        tokenStore.forget("refused");
        return null;
      })
      .finally(() => {
        renewal = null;
      });
    return renewal;
  }

  const socketUrl = new URL(endpoint, window.location.href);
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";

  /**
   * Runs a subscription over graphql-ws (the graphql-transport-ws protocol, spoken here by hand:
   * the page loads no other bundle), as results GraphiQL shows one after another. The token goes
   * in `connection_init`, never in the URL. On 4401 the kept token is renewed from the refresh
   * cookie and the subscription started again, once per close: never twice without a connection
   * acknowledged in between, so a refused token does not loop. Any other close ends the stream
   * with its code and reason.
   */
  function subscribe(params, authorization) {
    const queue = [];
    let wake = null;
    let done = false;
    let socket = null;
    const push = (item) => {
      queue.push(item);
      if (wake) wake();
    };
    const finish = (item) => {
      if (done) return;
      done = true;
      if (item) push(item);
      else if (wake) wake();
    };
    let renewedSinceAck = false;
    function connect(sent) {
      socket = new WebSocket(socketUrl.href, "graphql-transport-ws");
      const init = sent
        ? { authorization: sent.startsWith("Bearer ") ? sent : `Bearer ${sent}` }
        : {};
      socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: init }));
      socket.onmessage = ({ data }) => {
        const message = JSON.parse(data);
        if (message.type === "connection_ack") {
          renewedSinceAck = false;
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: params }));
        } else if (message.type === "ping") {
          socket.send(JSON.stringify({ type: "pong" }));
        } else if (message.type === "next") {
          push(message.payload);
        } else if (message.type === "error") {
          finish({ errors: message.payload });
          socket.close(1000);
        } else if (message.type === "complete") {
          finish(null);
          socket.close(1000);
        }
      };
      socket.onclose = (event) => {
        if (done) return;
        const kept = !authorization && tokenStore.jwt();
        if (event.code === 4401 && kept && !renewedSinceAck) {
          renewedSinceAck = true;
          void renewFromCookie(kept).then((renewed) => {
            if (done) return;
            if (renewed) connect(renewed);
            else finish({ errors: [{ message: `Socket closed: ${event.code} ${event.reason}` }] });
          });
          return;
        }
        finish({ errors: [{ message: `Socket closed: ${event.code} ${event.reason}` }] });
      };
    }
    connect(authorization || tokenStore.jwt());
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0 && !done) await new Promise((resolve) => (wake = resolve));
        wake = null;
        return queue.length > 0
          ? { value: queue.shift(), done: false }
          : { value: undefined, done: true };
      },
      async return() {
        done = true;
        if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
        return { value: undefined, done: true };
      },
    };
  }

  async function fetcher(params, options) {
    const editorHeaders = (options && options.headers) || {};
    if (isSubscription(params, options && options.documentAST)) {
      const name = Object.keys(editorHeaders).find((key) => key.toLowerCase() === "authorization");
      return subscribe(params, name ? editorHeaders[name] : null);
    }
    const paths = tokenPaths(params, options && options.documentAST);
    // Signing in needs no token, and an expired one would get the sign-in refused with 401.
    const sent = paths.signsIn || hasAuthorization(editorHeaders) ? null : tokenStore.jwt();
    const withToken = (jwt) =>
      jwt ? { ...editorHeaders, Authorization: `Bearer ${jwt}` } : editorHeaders;
    let response = await post(params, withToken(sent));
    if (sent && response.status === 401) {
      // Expired or revoked. One renewal and one retry; a retry refused again is shown as it is,
      // so a token that keeps being refused never loops.
      const renewed = await renewFromCookie(sent);
      if (renewed) response = await post(params, withToken(renewed));
    }
    remember(response.body, paths);
    return response.body;
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

  const pad = (n) => String(n).padStart(2, "0");
  /** HH:MM:SS in the browser's time zone: the same on every locale, seconds matter here. */
  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  const WHY_NONE = {
    initial:
      "No access token yet: run Register (on a fresh database) or Login, and it is sent with later requests.",
    logout: "No access token: Logout ended the session. Run Login to start another.",
    forgotten: "No access token: forgotten here (the session and its refresh cookie live on).",
    refused:
      "No access token: the API refused the kept one and the refresh cookie could not renew it " +
      "(the session ended, perhaps elsewhere). Run Login.",
  };

  /** Renders again just after `deadline` (the kept token's `exp`), so "valid" never outlives it. */
  function useRenderPast(deadline) {
    const [, setTick] = React.useState(0);
    React.useEffect(() => {
      if (deadline === null) return undefined;
      const wait = deadline - Date.now();
      if (wait < 0) return undefined;
      const timer = setTimeout(() => setTick((tick) => tick + 1), wait + 50);
      return () => clearTimeout(timer);
    }, [deadline]);
  }

  function TokenStatus() {
    const [held, setHeld] = React.useState(tokenStore.current());
    React.useEffect(() => tokenStore.subscribe(setHeld), []);
    const token = held.token;
    useRenderPast(token ? token.expiresAt : null);
    const box = (state, ...children) =>
      h(
        "div",
        { className: "playground-token", "data-testid": "token-status", "data-state": state },
        ...children,
      );
    if (token === null) return box("none", h("span", null, WHY_NONE[held.reason]));

    const origin =
      token.source === "cookie" ? "renewed from the refresh cookie" : `from ${token.source}`;
    const forget = h(
      "button",
      {
        type: "button",
        className: "graphiql-button",
        onClick: () => tokenStore.forget("forgotten"),
      },
      "Forget token",
    );
    if (token.expiresAt !== null && token.expiresAt <= Date.now()) {
      return box(
        "expired",
        h(
          "span",
          null,
          `The access token ${origin} expired at ${clock(token.expiresAt)}. When the API ` +
            "refuses it, the playground renews it once from the refresh cookie and retries.",
        ),
        forget,
      );
    }
    const validity =
      token.expiresAt === null ? "expiry unknown" : `valid until ${clock(token.expiresAt)}`;
    const when = token.source === "cookie" ? ` at ${clock(token.at)}` : "";
    return box(
      token.source === "cookie" ? "refreshed" : "valid",
      h(
        "span",
        null,
        "Sending ",
        h("code", null, `Authorization: Bearer …${token.jwt.slice(-8)}`),
        ` ${origin}${when}, ${validity}. An Authorization in the Headers tab wins.`,
      ),
      forget,
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

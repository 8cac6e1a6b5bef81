#!/usr/bin/env bash
# Brings up the deployment of deploy/README.md on this one machine: nginx serving the example web
# app's build and proxying /graphql to two (or more) API instances that share one MySQL/MariaDB
# database, with TRUST_PROXY naming nginx alone. Runs in the foreground until Ctrl-C or SIGTERM,
# then stops everything it started and removes its temporary directory. Needs no root: nginx runs
# from a generated configuration whose pid file, logs and buffers all live in that directory.
#
#   DATABASE_URL=mysql://root@127.0.0.1:3306/graphql_jwt_api deploy/local-stack.sh
#
# Environment (every other variable reaches the API instances as it is, e.g. RATE_LIMIT_*):
#   DATABASE_URL   mysql:// or mariadb:// URL of the shared database (required; it must exist)
#   PROXY_HOST     address nginx listens on                       default 127.0.0.1
#   PROXY_PORT     port nginx listens on                          default 8080
#   API_PORTS      the instances' ports, space-separated          default "4001 4002"
#   PROXY_SOURCE   loopback address nginx connects to the instances from, which TRUST_PROXY names
#                  (so a client on 127.0.0.1 talking to an instance directly is not trusted)
#                                                                 default 127.0.0.2
#   JWT_SECRET     shared signing secret                          default: random, for this run
#   WEB_DIST       the built example app                          default examples/web/dist
#                  (built with `npm run build --prefix examples/web` when it has no index.html)
#   NGINX          the nginx binary                               default: nginx on PATH, /usr/sbin/nginx
#   SKIP_BUILD=1   use dist/ as it is instead of compiling the API first
#
# Prints "ready: <url>" once nginx and every instance answer, then one "instance:" line each.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPLOY="$ROOT/deploy"

PROXY_HOST="${PROXY_HOST:-127.0.0.1}"
PROXY_PORT="${PROXY_PORT:-8080}"
read -r -a API_PORTS <<<"${API_PORTS:-4001 4002}"
PROXY_SOURCE="${PROXY_SOURCE:-127.0.0.2}"
WEB_DIST="${WEB_DIST:-$ROOT/examples/web/dist}"

fail() {
  echo "local-stack: $*" >&2
  exit 1
}

[ -n "${DATABASE_URL:-}" ] || fail "set DATABASE_URL to a mysql:// or mariadb:// URL (the instances must share one database)"
case "$DATABASE_URL" in
  mysql://* | mariadb://*) ;;
  *) fail "DATABASE_URL must be mysql:// or mariadb://: several instances cannot share a SQLite file" ;;
esac
[ "${#API_PORTS[@]}" -ge 1 ] || fail "API_PORTS names no port"
NGINX="${NGINX:-$(command -v nginx || true)}"
[ -n "$NGINX" ] || NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || fail "nginx is not installed (Debian: apt-get install nginx), or set NGINX"
MIME_TYPES="$(dirname "$("$NGINX" -V 2>&1 | sed -n 's/.*--conf-path=\([^ ]*\).*/\1/p')")/mime.types"
[ -r "$MIME_TYPES" ] || MIME_TYPES=/etc/nginx/mime.types
[ -r "$MIME_TYPES" ] || fail "cannot find nginx's mime.types"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/graphql-jwt-api-stack.XXXXXX")"
NGINX_PID=""
API_PIDS=()
cleanup() {
  trap - EXIT INT TERM
  # nginx first (QUIT: it finishes the requests it holds), so nothing new reaches an instance
  # that is draining; then the instances, which finish theirs and exit 0 on SIGTERM.
  if [ -n "$NGINX_PID" ]; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  for pid in "${API_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${API_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# Waits until the URL answers with the status, or fails after the timeout (seconds).
wait_for() {
  local url="$1" status="$2" timeout="$3"
  node -e '
    const [url, status, timeout] = process.argv.slice(1);
    const deadline = Date.now() + Number(timeout) * 1000;
    (async () => {
      for (;;) {
        const got = await fetch(url).then((r) => r.status, () => 0);
        if (got === Number(status)) process.exit(0);
        if (Date.now() > deadline) {
          console.error(`${url} answered ${got || "nothing"} within ${timeout}s`);
          process.exit(1);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();' "$url" "$status" "$timeout"
}

# {{NAME}} -> the value of the environment variable NAME; an unset NAME is an error.
render() {
  awk '{
    while (match($0, /\{\{[A-Z_]+\}\}/)) {
      name = substr($0, RSTART + 2, RLENGTH - 4)
      if (!(name in ENVIRON)) { print "unset template variable " name > "/dev/stderr"; exit 1 }
      $0 = substr($0, 1, RSTART - 1) ENVIRON[name] substr($0, RSTART + RLENGTH)
    }
    print
  }' "$1"
}

if [ "${SKIP_BUILD:-}" != 1 ]; then
  (cd "$ROOT" && node_modules/.bin/tsc -p tsconfig.build.json) || fail "the API did not build"
fi
[ -f "$ROOT/dist/src/main.js" ] || fail "no dist/src/main.js: build the API (npm run build)"
if [ ! -f "$WEB_DIST/index.html" ]; then
  [ -d "$ROOT/examples/web/node_modules" ] || fail "no $WEB_DIST/index.html, and examples/web has no node_modules: npm ci --prefix examples/web"
  npm run build --prefix "$ROOT/examples/web" >&2 || fail "the example app did not build"
fi
# A copy nginx's workers can read whoever owns the checkout.
cp -R "$WEB_DIST" "$RUN_DIR/web"
chmod 755 "$RUN_DIR"

JWT_SECRET="${JWT_SECRET:-$(node -e 'process.stdout.write(require("crypto").randomBytes(48).toString("base64url"))')}"
for port in "${API_PORTS[@]}"; do
  # Production posture: no generated secret, no playground or introspection, Secure cookies.
  NODE_ENV=production HOST=127.0.0.1 PORT="$port" DATABASE_URL="$DATABASE_URL" \
    JWT_SECRET="$JWT_SECRET" TRUST_PROXY="$PROXY_SOURCE" LOG_LEVEL="${LOG_LEVEL:-info}" \
    node "$ROOT/dist/src/main.js" >"$RUN_DIR/api-$port.log" 2>&1 &
  API_PIDS+=("$!")
  # One at a time: each applies pending migrations under a lock before it is ready.
  wait_for "http://127.0.0.1:$port/readyz" 200 60 || {
    cat "$RUN_DIR/api-$port.log" >&2
    fail "the instance on port $port did not become ready"
  }
done

UPSTREAM_SERVERS=""
for port in "${API_PORTS[@]}"; do
  UPSTREAM_SERVERS+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done
export LISTEN="$PROXY_HOST:$PROXY_PORT" WEB_ROOT="$RUN_DIR/web" PROXY_BIND="proxy_bind $PROXY_SOURCE;"
export UPSTREAM_SERVERS="${UPSTREAM_SERVERS%$'\n'}" RUN_DIR MIME_TYPES
# Workers drop root when there is root to drop; as anyone else nginx runs as that user.
if [ "$(id -u)" -eq 0 ]; then export USER_DIRECTIVE="user www-data;"; else export USER_DIRECTIVE=""; fi
render "$DEPLOY/nginx/graphql-jwt-api.conf.template" >"$RUN_DIR/graphql-jwt-api.conf"
render "$DEPLOY/nginx/nginx-local.conf.template" >"$RUN_DIR/nginx.conf"

NGINX_ARGS=(-p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/nginx-error.log")
"$NGINX" "${NGINX_ARGS[@]}" -t -q || fail "nginx refused the generated configuration ($RUN_DIR/nginx.conf)"
"$NGINX" "${NGINX_ARGS[@]}" -g "daemon off;" &
NGINX_PID="$!"
wait_for "http://$PROXY_HOST:$PROXY_PORT/readyz" 200 20 || {
  cat "$RUN_DIR/nginx-error.log" >&2
  fail "nginx did not answer on $PROXY_HOST:$PROXY_PORT"
}

echo "ready: http://$PROXY_HOST:$PROXY_PORT"
for port in "${API_PORTS[@]}"; do
  echo "instance: http://127.0.0.1:$port log=$RUN_DIR/api-$port.log"
done
echo "nginx: config=$RUN_DIR/nginx.conf access-log=$RUN_DIR/nginx-access.log"
echo "Ctrl-C stops nginx and the instances and removes $RUN_DIR."

# Until a signal, or until any of them dies (which is a failure).
set +e
wait -n "$NGINX_PID" "${API_PIDS[@]}"
code=$?
echo "local-stack: a process exited (code $code); stopping the rest" >&2
exit 1

#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback for the multi-primary tests:
#   .ci/galera-cluster.sh up      install galera-4 and rsync when missing, bootstrap node 1,
#                                 join nodes 2 and 3 (rsync SST), wait for wsrep_cluster_size=3
#   .ci/galera-cluster.sh status  print each node's wsrep state; exit 0 only when all 3 are synced
#   .ci/galera-cluster.sh down    stop the three nodes and delete their data
#   .ci/galera-cluster.sh urls    print the TEST_GALERA_URLS value (node 1 first)
# Nodes listen on 127.0.0.1:3311-3313 (Galera 4567/4577/4587, IST +1, SST 4444/4454/4464), run as
# the `mysql` user from their own datadirs under GALERA_DIR, and read only their own config file
# (--defaults-file), so the ordinary MariaDB on 3306 is left alone. `up` fails, with the nodes'
# error logs, rather than skip, when the cluster cannot form.
set -euo pipefail

GALERA_DIR="${GALERA_DIR:-${TMPDIR:-/tmp}/graphql-jwt-galera}"
NODES=(1 2 3)
PROVIDER=/usr/lib/galera/libgalera_smm.so
START_TIMEOUT_SECONDS="${GALERA_START_TIMEOUT:-180}"

sql_port() { echo $((3310 + $1)); }
gcomm_port() { echo $((4567 + 10 * ($1 - 1))); }
sst_port() { echo $((4444 + 10 * ($1 - 1))); }
node_dir() { echo "$GALERA_DIR/node$1"; }
socket_of() { echo "$(node_dir "$1")/mysqld.sock"; }
pid_of() { cat "$(node_dir "$1")/mysqld.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
say() { printf 'galera: %s\n' "$*"; }
fail() {
  printf 'galera: %s\n' "$*" >&2
  for n in "${NODES[@]}"; do
    local log
    log="$(node_dir "$n")/error.log"
    if [ -f "$log" ]; then
      printf -- '--- node %s error log (last 40 lines) ---\n' "$n" >&2
      tail -n 40 "$log" >&2
    fi
  done
  exit 1
}

status_var() { # node variable -> value, or nothing when the node does not answer
  mariadb --no-defaults --socket="$(socket_of "$1")" -uroot -N -B \
    -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'
}

cluster_address() {
  local peers=()
  for n in "${NODES[@]}"; do peers+=("127.0.0.1:$(gcomm_port "$n")"); done
  (IFS=,; echo "gcomm://${peers[*]}")
}

write_config() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  cat >"$dir/my.cnf" <<EOF
[mariadbd]
user=mysql
datadir=$dir/data
socket=$dir/mysqld.sock
pid-file=$dir/mysqld.pid
log-error=$dir/error.log
port=$(sql_port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
# Small: three of these share a 2-core CI machine with the tests.
innodb_buffer_pool_size=48M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
performance_schema=OFF
max_connections=300
# What Galera requires.
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=graphql-jwt-ci
wsrep_cluster_address=$(cluster_address)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(gcomm_port "$n")
wsrep_node_incoming_address=127.0.0.1:$(sql_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(($(gcomm_port "$n") + 1));gcache.size=32M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
# Galera's default: auto_increment_increment follows the cluster size, the offset the node.
wsrep_auto_increment_control=ON
# What the API needs of an operator (README, Running on a Galera cluster): causal reads, so that
# a read on one node sees what another node has just committed.
wsrep_sync_wait=1
EOF
}

install_packages() {
  local missing=()
  [ -f "$PROVIDER" ] || missing+=(galera-4)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian"
  local as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  "${as_root[@]}" apt-get update ||
    fail "apt-get update failed: cannot install ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" ||
    fail "could not install ${missing[*]}"
  [ -f "$PROVIDER" ] || fail "$PROVIDER is still missing after installing galera-4"
}

port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

wait_for() { # description seconds command...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
  say "$what"
}

synced() { [ "$(status_var "$1" wsrep_local_state_comment)" = "Synced" ]; }
cluster_of_three() {
  for n in "${NODES[@]}"; do
    [ "$(status_var "$n" wsrep_cluster_size)" = "3" ] || return 1
    synced "$n" || return 1
  done
}

start_node() { # node [extra mariadbd args]
  local n=$1
  shift
  alive "$n" && fail "node $n is already running (pid $(pid_of "$n")): run '$0 down' first"
  # Detached from this shell, so CI's process group ending does not take the node half-down.
  setsid mariadbd --defaults-file="$(node_dir "$n")/my.cnf" "$@" </dev/null >/dev/null 2>&1 &
  wait_for "node $n ($(sql_port "$n")) answers" "$START_TIMEOUT_SECONDS" synced "$n" ||
    fail "node $n did not reach Synced within ${START_TIMEOUT_SECONDS}s"
}

up() {
  if cluster_of_three 2>/dev/null; then
    say "already up"
    return 0
  fi
  install_packages
  if [ -d "$GALERA_DIR" ]; then
    # An earlier run's nodes (only those recorded under GALERA_DIR), half up or not at all.
    say "stopping what an earlier run left in $GALERA_DIR"
    down
  fi
  for n in "${NODES[@]}"; do
    for port in "$(sql_port "$n")" "$(gcomm_port "$n")" "$(($(gcomm_port "$n") + 1))" "$(sst_port "$n")"; do
      port_free "$port" || fail "port $port is taken: cannot start node $n"
    done
  done
  rm -rf "$GALERA_DIR"
  mkdir -p "$GALERA_DIR"
  chmod 755 "$GALERA_DIR"
  for n in "${NODES[@]}"; do
    mkdir -p "$(node_dir "$n")/data"
    write_config "$n"
  done
  chown -R mysql:mysql "$GALERA_DIR"

  # Only node 1 gets a fresh system database; the joiners receive theirs by state transfer.
  mariadb-install-db --defaults-file="$(node_dir 1)/my.cnf" --user=mysql \
    --auth-root-authentication-method=normal --skip-test-db >"$GALERA_DIR/install-db.log" 2>&1 ||
    { cat "$GALERA_DIR/install-db.log" >&2; fail "mariadb-install-db failed for node 1"; }

  start_node 1 --wsrep-new-cluster
  # Tests connect as root over TCP from 127.0.0.1 without a password, as on the ordinary server.
  mariadb --no-defaults --socket="$(socket_of 1)" -uroot -e "
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    CREATE DATABASE IF NOT EXISTS test;" || fail "could not create the test user on node 1"
  start_node 2
  start_node 3
  wait_for "cluster of 3 formed" 60 cluster_of_three ||
    fail "the nodes did not form a cluster of 3 (wsrep_cluster_size stayed below 3)"
  status
}

status() {
  local ok=0
  for n in "${NODES[@]}"; do
    if alive "$n"; then
      printf 'node %s: port %s pid %s size=%s state=%s ready=%s auto_increment_increment=%s offset=%s wsrep_sync_wait=%s\n' \
        "$n" "$(sql_port "$n")" "$(pid_of "$n")" \
        "$(status_var "$n" wsrep_cluster_size)" "$(status_var "$n" wsrep_local_state_comment)" \
        "$(status_var "$n" wsrep_ready)" \
        "$(mariadb --no-defaults --socket="$(socket_of "$n")" -uroot -N -B -e 'SELECT @@auto_increment_increment' 2>/dev/null)" \
        "$(mariadb --no-defaults --socket="$(socket_of "$n")" -uroot -N -B -e 'SELECT @@auto_increment_offset' 2>/dev/null)" \
        "$(mariadb --no-defaults --socket="$(socket_of "$n")" -uroot -N -B -e 'SELECT @@global.wsrep_sync_wait' 2>/dev/null)"
    else
      printf 'node %s: not running\n' "$n"
      ok=1
    fi
  done
  cluster_of_three || ok=1
  return "$ok"
}

stop_node() {
  local n=$1 pid
  pid="$(pid_of "$n")"
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  say "node $n (pid $pid) did not stop in 60s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  # Joiners first, the bootstrap node last, so no node waits for a quorum that is leaving.
  for n in 3 2 1; do stop_node "$n"; done
  rm -rf "$GALERA_DIR"
  say "down"
}

urls() {
  local list=()
  for n in "${NODES[@]}"; do list+=("mysql://root@127.0.0.1:$(sql_port "$n")/test"); done
  (IFS=,; echo "${list[*]}")
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) urls ;;
  *)
    echo "usage: $0 up|down|status|urls" >&2
    exit 2
    ;;
esac

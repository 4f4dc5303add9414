# Sourced by scripts/test: make PostgreSQL and MariaDB reachable for the
# conformance suite, starting throwaway servers when none answers.
#
# The suite reads ORMCORE_PG_URL and ORMCORE_MYSQL_URL (loopback defaults).
# When the server behind a URL does not answer, a throwaway one is started
# from Debian's packages (installed if missing) with its data in a temp dir
# on a free loopback port, and stopped on exit. If neither works the run
# fails: a missing server never turns into skipped tests.
#
# The MySQL TLS tests read ORMCORE_MYSQL_TLS_URL, a server that speaks TLS
# with a certificate signed by the CA in the PEM file ORMCORE_MYSQL_TLS_CA.
# Unless both are set, a throwaway MariaDB is started for them with a CA
# and a certificate for 127.0.0.1 made here (a packaged MariaDB has TLS
# off); when the main MariaDB is a throwaway one too, it serves both.

: "${ORMCORE_PG_URL:=postgresql://postgres@127.0.0.1:5432/test}"
: "${ORMCORE_MYSQL_URL:=mysql://root@127.0.0.1:3306/test}"

servers_dir=""
pg_pid=""
# PIDs and ports of the MariaDB servers started here, in the same order.
mysql_pids=()
mysql_ports=()
started_url=""

log() { printf '[test-servers] %s\n' "$*" >&2; }

# host and port of a URL like scheme://user@host:port/db
url_host() { local hp=${1#*://}; hp=${hp#*@}; hp=${hp%%/*}; printf '%s' "${hp%%:*}"; }
url_port() { local hp=${1#*://}; hp=${hp#*@}; hp=${hp%%/*}; [[ $hp == *:* ]] && printf '%s' "${hp##*:}" || printf '%s' "$2"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    port_open 127.0.0.1 "$port" || { printf '%s' "$port"; return 0; }
  done
  log "no free loopback port found"; return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The servers refuse to run as root: as root, run them as their system
# user (and hand it the data dirs); otherwise run them as ourselves.
as_user() {
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
own() { local user=$1; shift; if [ "$(id -u)" = 0 ]; then chown "$user:$user" "$@"; fi; }

apt_install() {
  log "installing $* (Debian packages)"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_dir() {
  [ -n "$servers_dir" ] && return 0
  servers_dir=$(mktemp -d /tmp/ormcore-servers.XXXXXX)
  chmod 755 "$servers_dir"
}

stop_servers() {
  if [ -n "$pg_pid" ]; then
    as_user postgres "$pg_bin/pg_ctl" -D "$servers_dir/pg" -m fast -w stop >/dev/null 2>&1 || kill "$pg_pid" 2>/dev/null || true
  fi
  local i
  for i in "${!mysql_pids[@]}"; do
    # Shut down through the server, then wait for the process to exit (it
    # takes a couple of seconds after mariadb-admin returns); kill it if it
    # does not.
    mariadb-admin --no-defaults -h127.0.0.1 -P"${mysql_ports[$i]}" -uroot shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 200); do kill -0 "${mysql_pids[$i]}" 2>/dev/null || break; sleep 0.05; done
    kill "${mysql_pids[$i]}" 2>/dev/null || true
  done
  [ -n "$servers_dir" ] && rm -rf "$servers_dir"
  return 0
}

start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pg_bin" ]; then apt_install postgresql; pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  ensure_dir
  local port; port=$(free_port)
  mkdir -p "$servers_dir/pg" "$servers_dir/pgsock" "$servers_dir/pgssl"
  # A self-signed certificate, so that the TLS tests have a server to talk to.
  command -v openssl >/dev/null || apt_install openssl
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$servers_dir/pgssl/server.key" -out "$servers_dir/pgssl/server.crt" >/dev/null 2>&1
  chmod 600 "$servers_dir/pgssl/server.key"
  own postgres "$servers_dir/pg" "$servers_dir/pgsock" "$servers_dir/pgssl" "$servers_dir/pgssl/server.key" "$servers_dir/pgssl/server.crt"
  as_user postgres "$pg_bin/initdb" -D "$servers_dir/pg" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  as_user postgres "$pg_bin/pg_ctl" -D "$servers_dir/pg" -l "$servers_dir/pg/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $servers_dir/pgsock -F -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$servers_dir/pgssl/server.crt -c ssl_key_file=$servers_dir/pgssl/server.key" start >/dev/null
  pg_pid=$(head -n 1 "$servers_dir/pg/postmaster.pid")
  as_user postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  ORMCORE_PG_URL="postgresql://postgres@127.0.0.1:$port/test"
  log "started a throwaway PostgreSQL on 127.0.0.1:$port"
}

# A CA and a certificate it signs for 127.0.0.1 (made once per run), so
# that the MySQL TLS tests can verify the server as a client should.
make_mysql_certs() {
  local dir="$servers_dir/mysqlssl"
  [ -f "$dir/server.crt" ] && return 0
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ormcore test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 644 "$dir"/*.crt
  own mysql "$dir" "$dir/server.key"
  chmod 600 "$dir/server.key"
}

# Start a throwaway MariaDB (TLS on, with make_mysql_certs' certificate)
# in $servers_dir/NAME; its URL is left in $started_url. Every step is
# checked by hand: the callers' `||` turns `set -e` off in here.
start_mariadb() {
  local name=$1
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  ensure_dir
  make_mysql_certs
  local port; port=$(free_port)
  local dir="$servers_dir/$name" ssl="$servers_dir/mysqlssl"
  mkdir -p "$dir"
  own mysql "$dir"
  as_user mysql mariadb-install-db --no-defaults --datadir="$dir" \
    --auth-root-authentication-method=normal --skip-test-db >/dev/null || return 1
  as_user mysql /usr/sbin/mariadbd --no-defaults --datadir="$dir" \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    --port="$port" --bind-address=127.0.0.1 --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --skip-log-bin \
    --ssl-ca="$ssl/ca.crt" --ssl-cert="$ssl/server.crt" --ssl-key="$ssl/server.key" \
    >"$servers_dir/$name.log" 2>&1 &
  local launcher=$! up=""
  for _ in $(seq 1 600); do
    if mariadb-admin --no-defaults -h127.0.0.1 -P"$port" -uroot ping >/dev/null 2>&1; then up=1; break; fi
    sleep 0.05
  done
  # The server's own PID (`$!` is the shell that started it as its user;
  # stopped instead when the server wrote none).
  local pid; pid=$(cat "$dir/mysqld.pid" 2>/dev/null || true)
  mysql_pids+=("${pid:-$launcher}")
  mysql_ports+=("$port")
  if [ -z "$up" ] || [ -z "$pid" ]; then
    log "MariaDB ($name) did not come up; its log:"; tail -n 20 "$servers_dir/$name.log" >&2
    return 1
  fi
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -e 'CREATE DATABASE IF NOT EXISTS test' || return 1
  started_url="mysql://root@127.0.0.1:$port/test"
  log "started a throwaway MariaDB ($name) on 127.0.0.1:$port"
}

ensure_servers() {
  trap stop_servers EXIT
  if ! port_open "$(url_host "$ORMCORE_PG_URL")" "$(url_port "$ORMCORE_PG_URL" 5432)"; then
    log "no PostgreSQL answers at $ORMCORE_PG_URL"
    start_postgres || { log "could not start PostgreSQL"; exit 1; }
  fi
  if ! port_open "$(url_host "$ORMCORE_MYSQL_URL")" "$(url_port "$ORMCORE_MYSQL_URL" 3306)"; then
    log "no MariaDB/MySQL answers at $ORMCORE_MYSQL_URL"
    start_mariadb mysql || { log "could not start MariaDB"; exit 1; }
    ORMCORE_MYSQL_URL=$started_url
  fi
  # The TLS server and its CA go together: one without the other is a
  # mistake, not something to complete with a CA of ours.
  if [ -n "${ORMCORE_MYSQL_TLS_URL:-}" ] && [ -n "${ORMCORE_MYSQL_TLS_CA:-}" ]; then
    :
  elif [ -n "${ORMCORE_MYSQL_TLS_URL:-}${ORMCORE_MYSQL_TLS_CA:-}" ]; then
    log "set both ORMCORE_MYSQL_TLS_URL and ORMCORE_MYSQL_TLS_CA, or neither"; exit 1
  elif [ -n "${started_url:-}" ]; then
    # The throwaway main server has TLS on: it serves the TLS tests too.
    ORMCORE_MYSQL_TLS_URL=$started_url
    ORMCORE_MYSQL_TLS_CA=$servers_dir/mysqlssl/ca.crt
  else
    start_mariadb mysqltls || { log "could not start a MariaDB with TLS"; exit 1; }
    ORMCORE_MYSQL_TLS_URL=$started_url
    ORMCORE_MYSQL_TLS_CA=$servers_dir/mysqlssl/ca.crt
  fi
  export ORMCORE_PG_URL ORMCORE_MYSQL_URL ORMCORE_MYSQL_TLS_URL ORMCORE_MYSQL_TLS_CA
}

#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the tests (installing it from Debian's packages when
# missing) and print its asyncpg URL on stdout; everything else goes to stderr.
# Runs as root (CI) or as any user who can run the server binaries.
set -euo pipefail
log() { echo "postgres.sh: $*" >&2; }

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PORT=${ACSM_PG_PORT:-54329}
DATA=${ACSM_PG_DATA:-/tmp/acsm-pg-$PORT}
DB=${ACSM_PG_DB:-acsm_test}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
  # Test-only settings: no durability needed, speed wanted.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start -o \
    "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2
fi
if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi
log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
echo "postgresql+asyncpg://postgres@127.0.0.1:$PORT/$DB"

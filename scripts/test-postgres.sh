#!/usr/bin/env bash
# Starts Debian's PostgreSQL on loopback for the store suite and prints the URL to export:
#   export TEST_POSTGRES_URL=$(sudo bash scripts/test-postgres.sh)
# Run as root (CI) or with sudo. Installs the `postgresql` package when it is missing, starts
# the first cluster (creating one if there is none), and creates a login role and a database
# the tests may create schemas in. Idempotent: a second run only prints the URL.
set -euo pipefail

ROLE=sss_test
PASSWORD=sss_test
DATABASE=sss_test

provision() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "test-postgres: installing Debian's postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  fi

  if [ -z "$(pg_lsclusters --no-header 2>/dev/null)" ]; then
    pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main
  fi
  local version name status
  read -r version name port status _ <<<"$(pg_lsclusters --no-header | head -1)"
  if ! [[ "$port" =~ ^[0-9]+$ ]]; then
    echo "test-postgres: could not read the cluster's port from pg_lsclusters:"
    pg_lsclusters
    return 1
  fi
  # Debian's clusters listen on localhost only (listen_addresses = 'localhost'). A machine
  # copied from one where the server ran has a stale pid file: pg_ctlcluster removes it.
  if [ "$status" != "online" ]; then pg_ctlcluster "$version" "$name" start; fi

  if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    as_postgres "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >/dev/null
  fi
  if [ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
    as_postgres "CREATE DATABASE $DATABASE OWNER $ROLE" >/dev/null
  fi
  # The tests create a schema each: make sure the role may, even in a database made earlier by hand.
  as_postgres "ALTER DATABASE $DATABASE OWNER TO $ROLE" >/dev/null

  # Prove the URL works as the tests will use it: over TCP, with the password.
  if ! PGCONNECT_TIMEOUT=10 psql "$(url)" -v ON_ERROR_STOP=1 -tAc "SELECT 1" >/dev/null; then
    echo "test-postgres: the server is up but $ROLE cannot log in over TCP at 127.0.0.1:$port"
    return 1
  fi
}

as_postgres() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -tAc \"$1\""; }
url() { echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"; }

port=
# The caller reads standard output as the URL, so everything else (apt, pg_ctlcluster's
# "Removed stale pid file.", psql) goes to standard error. Only this shell's stdout is
# redirected, so the server started here holds no copy of the caller's pipe.
provision >&2
url

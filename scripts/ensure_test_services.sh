#!/usr/bin/env bash
# Makes sure what the test suite needs is here: Chromium (Debian's), and PostgreSQL and
# MariaDB listening on 127.0.0.1. Installs or starts what is missing when it can (root),
# otherwise says what to do. The tests themselves fail loudly when a service is missing.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium'" >&2
    exit 1
  fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Starting PostgreSQL..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! port_open 3306 && [ -x /usr/sbin/mariadbd ] && [ "$(id -u)" = 0 ]; then
  echo "Starting MariaDB..."
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  for _ in $(seq 1 30); do port_open 3306 && break; sleep 1; done
fi
port_open 5432 || { echo "PostgreSQL is not listening on 127.0.0.1:5432" >&2; exit 1; }
port_open 3306 || { echo "MariaDB is not listening on 127.0.0.1:3306" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "Node.js is missing (needed for the JS tests)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "npm is missing (the SDK tests install pinned host-page packages)" >&2; exit 1; }
echo "test services: chromium, PostgreSQL, MariaDB and node are ready"

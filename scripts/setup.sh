#!/usr/bin/env bash
# One-time setup of a fresh machine: the Debian packages Faultline's local servers need (only
# those absent), the locked npm dependencies, a build, and the Kafka broker and Zipkin server jars
# from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v pg_basebackup >/dev/null || need+=(postgresql-client)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
# The topology's load balancer; without it the topology falls back to its Node proxy.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v prometheus >/dev/null || need+=(prometheus)
# The CLI's tests: its dashboard runs under tmux, its HTML report opens in headless chromium.
command -v tmux >/dev/null || need+=(tmux)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
  # Postgres refuses to run as root; infra runs it as this user when we are root.
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi

log "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
npx tsc -b
node packages/infra/scripts/fetch-kafka-jars.mjs
node packages/infra/scripts/fetch-zipkin-jar.mjs

#!/usr/bin/env bash
# Runs a command with the Cloud SQL Auth Proxy listening on 127.0.0.1:5432 for SQL_INSTANCE
# (project:region:instance), authorised by the build's service account (no authorized network).
# The proxy binary is verified against its published SHA-256 before it runs: a download that
# does not match stops the build.
#
#   cloud-sql-proxy.sh COMMAND [ARG...]
set -euo pipefail

# https://github.com/GoogleCloudPlatform/cloud-sql-proxy/releases/tag/v2.15.1 lists each
# binary's SHA-256; a new version changes both lines (terraform/README.md, Pinned downloads).
VERSION=v2.15.1
SHA256=10a944f76198ef8bc07c4ecb9e64d7d55673d9cd8efb61d0a3344f53c13794b9

: "${SQL_INSTANCE:?SQL_INSTANCE (project:region:instance) is required}"
[ $# -gt 0 ] || { echo "usage: cloud-sql-proxy.sh COMMAND [ARG...]" >&2; exit 2; }

proxy=/tmp/cloud-sql-proxy
curl -fsSL -o "$proxy" \
  "https://storage.googleapis.com/cloud-sql-connectors/cloud-sql-proxy/$VERSION/cloud-sql-proxy.linux.amd64"
echo "$SHA256  $proxy" | sha256sum --check --strict - ||
  { echo "cloud-sql-proxy $VERSION does not match its published SHA-256: not running it" >&2; exit 1; }
chmod +x "$proxy"

"$proxy" --port=5432 "$SQL_INSTANCE" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do
  (echo >/dev/tcp/127.0.0.1/5432) 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "cloud-sql-proxy exited" >&2; exit 1; }
  sleep 1
done
"$@"

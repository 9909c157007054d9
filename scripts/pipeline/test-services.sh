#!/usr/bin/env bash
# Gives Cloud Build's test step (node:22, Debian, root) what `npm test` needs to run every suite
# rather than skip one: PostgreSQL on 127.0.0.1:5432 (trust, user postgres) with its binaries
# (the fault suites initdb and stop servers of their own), Chromium (the browser suite), and
# gcloud with the Pub/Sub emulator and Java (the suites start, stop and restart emulators of
# their own). The same as the CI machine; nothing runs in another container.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get install -y -q --no-install-recommends ca-certificates curl gnupg
# Google's apt repository, for gcloud's Pub/Sub emulator (a Java program).
curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg |
  gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg
echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" \
  >/etc/apt/sources.list.d/google-cloud-sdk.list
apt-get update -q
apt-get install -y -q --no-install-recommends \
  postgresql chromium default-jre-headless google-cloud-cli google-cloud-cli-pubsub-emulator

# The cluster the package created, with trust for local connections, as on the CI machine.
cluster=$(pg_lsclusters --no-header | awk 'NR == 1 { print $1 }')
hba="/etc/postgresql/$cluster/main/pg_hba.conf"
sed -i -E '/^(local|host)\s/ s/(peer|scram-sha-256|md5)\s*$/trust/' "$hba"
pg_ctlcluster "$cluster" main start
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432

chromium --version
gcloud --version | grep -E 'pubsub-emulator'

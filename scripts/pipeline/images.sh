#!/bin/sh
# The functions' container images, built in the plan build (cloudbuild.yaml) from the bundles of
# `npm run build` (one folder of dist/functions per function of the registry), the way Cloud Run
# functions builds them: Google Cloud's buildpacks, Node.js 22, the functions framework serving
# the function's own name as its target. The buildpack runs each bundle's gcp-build script
# (node compile-cache.js, scripts/compile-cache.ts): it writes the function's Node compile cache
# into the image (/workspace/.compile-cache, which Terraform's NODE_COMPILE_CACHE names), with
# the image's own Node, at the path and as the user the function runs with.
#
#   images.sh build     build each bundle into IMAGES/<name>:COMMIT_SHA and push it (pack, in
#                       the gcr.io/k8s-skaffold/pack step: Cloud Build's Docker daemon, and its
#                       credentials for Artifact Registry)
#   images.sh digests   write OUT, the tfvars file of var.images: each function's image named by
#                       the digest that tag points to now (gcloud), so the plan names exactly the
#                       images this build pushed, whatever happens to the tag afterwards
#
# Environment: IMAGES (REGION-docker.pkg.dev/PROJECT/REPOSITORY, the _IMAGES substitution),
# COMMIT_SHA (Cloud Build's), DIST (default dist/functions), OUT (default
# /workspace/images.tfvars.json), PACK_NETWORK (default cloudbuild, the network of Cloud Build's
# steps; host on a workstation). POSIX sh: the pack image may have no bash.
set -eu

DIST="${DIST:-dist/functions}"
OUT="${OUT:-/workspace/images.tfvars.json}"
BUILDER=gcr.io/buildpacks/builder:google-22
# The Node.js the bundles are built and tested for (esbuild's target, npm run fetch:node22).
NODE_VERSION=22.x

fail() {
  echo "images: $*" >&2
  exit 1
}

[ -n "${IMAGES:-}" ] || fail "IMAGES (the image repository, REGION-docker.pkg.dev/PROJECT/REPOSITORY) is not set"
[ -n "${COMMIT_SHA:-}" ] || fail "COMMIT_SHA is not set"

# The functions npm run build bundled: every folder with an index.js.
functions() {
  found=
  for bundle in "$DIST"/*/index.js; do
    [ -f "$bundle" ] || continue
    found=1
    basename "$(dirname "$bundle")"
  done
  [ -n "$found" ] || fail "no bundle in $DIST: run npm run build first"
}

build() {
  names=$(functions)
  for name in $names; do
    echo "images: building $IMAGES/$name:$COMMIT_SHA"
    # The signature type is the default only: each function registers its own (http or
    # cloudEvent) with the functions framework, which serves what was registered.
    pack build "$IMAGES/$name:$COMMIT_SHA" \
      --builder "$BUILDER" \
      --path "$DIST/$name" \
      --env GOOGLE_RUNTIME=nodejs \
      --env "GOOGLE_RUNTIME_VERSION=$NODE_VERSION" \
      --env "GOOGLE_FUNCTION_TARGET=$name" \
      --env GOOGLE_FUNCTION_SIGNATURE_TYPE=http \
      --network "${PACK_NETWORK:-cloudbuild}" \
      --publish
  done
}

digests() {
  json=
  names=$(functions)
  for name in $names; do
    image=$(gcloud artifacts docker images describe "$IMAGES/$name:$COMMIT_SHA" \
      --format='value(image_summary.fully_qualified_digest)')
    case "$image" in
      "$IMAGES/$name@sha256:"*) ;;
      *) fail "$IMAGES/$name:$COMMIT_SHA has no digest (got \"$image\"): did images.sh build push it?" ;;
    esac
    json="${json:+$json, }\"$name\": \"$image\""
    echo "images: $name is $image"
  done
  printf '{ "images": { %s } }\n' "$json" >"$OUT"
}

case "${1:-}" in
  build | digests) "$1" ;;
  *) fail "usage: images.sh build | digests" ;;
esac

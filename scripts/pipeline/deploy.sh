#!/usr/bin/env bash
# The apply build's guards (cloudbuild-apply.yaml). Cloud Build has no queue and no lock, so
# an environment's apply builds serialise on a lock object in the pipeline bucket, and a build
# refuses a commit that does not descend from the deployed one (recorded by every deploy):
#
#   deploy.sh lock                         wait for the environment's lock, then hold it
#   deploy.sh unlock                       release it (only if this build still holds it)
#   deploy.sh deployed                     print the deployed commit ('' before the first deploy)
#   deploy.sh order DEPLOYED COMMIT REMOTE refuse COMMIT unless DEPLOYED is COMMIT or an ancestor
#   deploy.sh record                       record COMMIT_SHA as deployed
#
# Environment: BUCKET (the pipeline bucket), and Cloud Build's BUILD_ID, LOCATION, COMMIT_SHA;
# for `order`, GIT_AUTH_HEADER (an Authorization header for REMOTE, never printed).
set -euo pipefail

LOCK="gs://${BUCKET:-}/deployments/lock"
RECORD="gs://${BUCKET:-}/deployments/current"
# Where `lock` leaves the lock's generation for `unlock` (/workspace is shared by the steps).
HELD="${DEPLOY_LOCK_FILE:-/workspace/.deploy-lock-generation}"
# How long a build waits for the lock: a deploy takes minutes; an hour means something is wrong.
LOCK_TIMEOUT_SECONDS="${LOCK_TIMEOUT_SECONDS:-3600}"

fail() {
  echo "deploy: $*" >&2
  exit 1
}

# Whether a gcloud storage error means "no such object" (and not, say, "permission denied").
absent() { grep -qiE 'not ?found|404|matched no objects' <<<"$1"; }

lock() {
  local deadline=$((SECONDS + LOCK_TIMEOUT_SECONDS)) out generation holder status
  while :; do
    ((SECONDS < deadline)) || fail "no lock within ${LOCK_TIMEOUT_SECONDS}s; giving up"
    # Created only if absent (generation 0): exactly one build wins.
    if out=$(printf '%s\n' "$BUILD_ID" | gcloud storage cp - "$LOCK" --if-generation-match=0 2>&1); then
      gcloud storage objects describe "$LOCK" --format='value(generation)' >"$HELD"
      echo "deploy: build $BUILD_ID holds the lock of this environment"
      return
    fi
    # Released in between: try again.
    generation=$(gcloud storage objects describe "$LOCK" --format='value(generation)' 2>/dev/null) ||
      { sleep 2; continue; }
    holder=$(gcloud storage cat "$LOCK" 2>/dev/null | head -n1) || { sleep 2; continue; }
    if [ "$holder" = "$BUILD_ID" ]; then
      # This build took it already (its lock step was retried).
      echo "$generation" >"$HELD"
      return
    fi
    status=$(gcloud builds describe "$holder" --region="$LOCATION" --format='value(status)' 2>/dev/null || echo GONE)
    case "$status" in
      PENDING | QUEUED | WORKING)
        echo "deploy: build $holder is deploying this environment ($status); waiting"
        sleep 20
        ;;
      *)
        # A build that failed or was cancelled never released it: take it back, unless another
        # build did so first (the generation changed).
        echo "deploy: build $holder ended ($status) holding the lock; releasing it"
        gcloud storage rm "$LOCK" --if-generation-match="$generation" >/dev/null 2>&1 || true
        ;;
    esac
  done
}

unlock() {
  [ -s "$HELD" ] || fail "this build does not hold the lock"
  gcloud storage rm "$LOCK" --if-generation-match="$(cat "$HELD")" >/dev/null
  rm -f "$HELD"
  echo "deploy: build $BUILD_ID released the lock"
}

deployed() {
  local out
  if out=$(gcloud storage cat "$RECORD" 2>&1); then
    printf '%s\n' "${out%% *}"
  elif absent "$out"; then
    echo ""
  else
    fail "cannot read $RECORD: $out"
  fi
}

order() {
  local deployed=$1 commit=$2 remote=$3 work status=0
  if [ -z "$deployed" ]; then
    echo "deploy: nothing deployed yet; $commit may be"
    return
  fi
  if [ "$deployed" = "$commit" ]; then
    echo "deploy: $commit is what is deployed; deploying it again"
    return
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  git -C "$work" init -q
  local auth=()
  [ -n "${GIT_AUTH_HEADER:-}" ] && auth=(-c "http.extraHeader=$GIT_AUTH_HEADER")
  # Commits only (no trees, no blobs): the history between the two, however long.
  git -C "$work" "${auth[@]}" fetch -q --filter=tree:0 "$remote" "$commit" ||
    fail "cannot fetch $commit from the repository"
  git -C "$work" "${auth[@]}" fetch -q --filter=tree:0 "$remote" "$deployed" ||
    fail "the deployed commit $deployed is no longer in the repository (force-pushed away?): deploying $commit could undo changes nobody reviewed against it. If that is intended, an administrator deletes $RECORD first"
  git -C "$work" merge-base --is-ancestor "$deployed" "$commit" || status=$?
  case "$status" in
    0) echo "deploy: $commit descends from the deployed $deployed" ;;
    1) fail "$commit does not descend from the deployed $deployed: it is older, or on another line of history. Refusing to deploy it over a newer one (to roll back, revert on the branch: README, Rolling back a bad deploy)" ;;
    *) fail "git could not compare $deployed and $commit" ;;
  esac
}

record() {
  printf '%s %s\n' "$COMMIT_SHA" "$BUILD_ID" | gcloud storage cp - "$RECORD" >/dev/null
  echo "deploy: $COMMIT_SHA is deployed (build $BUILD_ID)"
}

command=${1:-}
shift || true
case "$command" in
  lock | unlock | deployed | record) "$command" ;;
  order) [ $# -eq 3 ] || fail "usage: deploy.sh order DEPLOYED COMMIT REMOTE"; order "$@" ;;
  *) fail "usage: deploy.sh lock | unlock | deployed | order DEPLOYED COMMIT REMOTE | record" ;;
esac

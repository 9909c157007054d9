#!/usr/bin/env bash
# The saved plan of a commit, between the plan build (cloudbuild.yaml) and the apply build
# (cloudbuild-apply.yaml):
#
#   plan.sh publish   save /workspace/plan.tgz (the plan, naming the images it deploys, packed by
#                     the plan step) and /workspace/plan.txt (terraform show) as
#                     plans/COMMIT_SHA.{tgz,txt}: once (a second plan of a commit is refused)
#   plan.sh fetch     wait for that plan, check it is the one that was approved, unpack it into
#                     terraform/ and print it
#
# Environment: BUCKET (the pipeline bucket), and Cloud Build's BUILD_ID, LOCATION, COMMIT_SHA.
set -euo pipefail

PLAN="gs://${BUCKET:-}/plans/${COMMIT_SHA:-}"
# The apply build starts with the plan build: it waits this long for the plan to appear.
WAIT_SECONDS="${PLAN_WAIT_SECONDS:-3600}"

fail() {
  echo "plan: $*" >&2
  exit 1
}

publish() {
  # Generation 0: only if absent. The planner may create objects but not replace them either.
  gcloud storage cp /workspace/plan.txt "$PLAN.txt" --if-generation-match=0 >/dev/null ||
    fail "a plan of $COMMIT_SHA exists already and is never replaced (push a new commit to plan again)"
  gcloud storage cp /workspace/plan.tgz "$PLAN.tgz" --if-generation-match=0 >/dev/null
  echo "plan: saved $PLAN.tgz"
  grep -E '^(Plan:|No changes\.)' /workspace/plan.txt || true
}

fetch() {
  local deadline=$((SECONDS + WAIT_SECONDS)) generation versions created approval state approved
  until generation=$(gcloud storage objects describe "$PLAN.tgz" --format='value(generation)' 2>/dev/null); do
    ((SECONDS < deadline)) || fail "no plan of $COMMIT_SHA after ${WAIT_SECONDS}s: did its plan build fail?"
    echo "plan: waiting for the plan build of $COMMIT_SHA"
    sleep 30
  done
  versions=$(gcloud storage ls -a "$PLAN.tgz" | grep -c '#' || true)
  [ "$versions" = 1 ] || fail "$PLAN.tgz was written $versions times: refusing a plan that may not be the one reviewed"
  created=$(gcloud storage objects describe "$PLAN.tgz" --format='value(creation_time)')
  approval=$(gcloud builds describe "$BUILD_ID" --region="$LOCATION" \
    --format='value(approval.state,approval.result.approvalTime)')
  read -r state approved <<<"$approval" || true
  if [ -n "$state" ]; then
    [ "$state" = APPROVED ] || fail "this build is $state, not approved"
    # An approval covers the plan that existed when it was given, and no later one.
    (($(date -d "$created" +%s) <= $(date -d "$approved" +%s))) ||
      fail "the plan was saved at $created, after the approval at $approved: approve a new build once its plan exists"
    echo "plan: approved at $approved; the plan was saved at $created"
  fi
  gcloud storage cp "$PLAN.tgz#$generation" /workspace/plan.tgz >/dev/null
  tar -xzf /workspace/plan.tgz -C terraform
  gcloud storage cat "$PLAN.txt"
}

case "${1:-}" in
  publish | fetch) "$1" ;;
  *) fail "usage: plan.sh publish | fetch" ;;
esac

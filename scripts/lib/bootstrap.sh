# Sourced by scripts/demo, scripts/run-example and scripts/test: npm deps, the build, the Pulumi CLI,
# each with a progress line `[  1.2s] phase     message` timed from OSK_STARTED_MS (exported, so the
# TypeScript part continues the same clock). osk_bootstrap leaves PATH and PULUMI_OSK_BIN pointing
# at the CLI.

# True when CI is set to anything but "", "0" or "false" (the e2e harness reads CI the same way).
osk_is_ci() {
  case "${CI:-}" in "" | 0 | false | FALSE | False) return 1 ;; *) return 0 ;; esac
}

# Milliseconds since the epoch (GNU date; elsewhere, e.g. macOS, ask node).
osk_now_ms() {
  local ms
  ms="$(date +%s%3N 2>/dev/null)"
  if [[ "$ms" =~ ^[0-9]+$ ]]; then printf '%s' "$ms"; else node -p 'Date.now()'; fi
}

OSK_STARTED_MS="${OSK_STARTED_MS:-$(osk_now_ms)}"
export OSK_STARTED_MS

osk_phase() { # osk_phase <name> <message>
  local now elapsed
  now="$(osk_now_ms)"
  elapsed="$(awk -v a="$now" -v b="$OSK_STARTED_MS" 'BEGIN { printf "%5.1f", (a - b) / 1000 }')"
  printf '[%ss] %-9s %s\n' "$elapsed" "$1" "$2"
}

osk_seconds_since() { # osk_seconds_since <epoch ms>
  awk -v a="$(osk_now_ms)" -v b="$1" 'BEGIN { printf "%.1fs", (a - b) / 1000 }'
}

# npm dependencies (scripts/install: npm ci once per lockfile) and the build (dist/).
osk_prepare() {
  local t0
  mkdir -p .pulumi-local/logs || return 1

  t0="$(osk_now_ms)"
  # Explicit checks throughout: `set -e` does not apply inside a function called from `&&` or `if`.
  if ! scripts/install; then
    osk_phase install "FAILED: npm dependencies (output above)"
    return 1
  fi
  osk_phase install "npm dependencies in place ($(osk_seconds_since "$t0"))"

  t0="$(osk_now_ms)"
  if ! npm run --silent build >.pulumi-local/logs/build.log 2>&1; then
    cat .pulumi-local/logs/build.log >&2
    osk_phase build "FAILED: npm run build (output above)"
    return 1
  fi
  # scripts/build.mjs names the stale output it removed (tsc never deletes), if any.
  local note
  note="$(grep -m1 '^removed ' .pulumi-local/logs/build.log | cut -d: -f1 || true)"
  [ -z "$note" ] || note="; $note"
  osk_phase build "tsc -> dist/, provider bundle ($(osk_seconds_since "$t0"))$note"
}

# The Pulumi CLI (scripts/ensure-pulumi): exports PATH and PULUMI_OSK_BIN, or returns 1.
osk_engine() {
  local t0 bin version
  t0="$(osk_now_ms)"
  # ensure-pulumi's stdout is the bin dir; its notes and build progress go to stderr, indented.
  if ! bin="$(OSK_ENSURE_PULUMI_QUIET=1 scripts/ensure-pulumi 2> >(sed 's/^/                  /' >&2))"; then
    osk_phase engine "FAILED: no Pulumi CLI (see the messages above)"
    return 1
  fi
  version="$(PULUMI_SKIP_UPDATE_CHECK=true "$bin/pulumi" version 2>/dev/null || echo unknown)"
  osk_phase engine "pulumi ${version} in $bin ($(osk_seconds_since "$t0"))"
  export PATH="$bin:$PATH" PULUMI_OSK_BIN="$bin"
}

osk_bootstrap() {
  osk_prepare && osk_engine
}

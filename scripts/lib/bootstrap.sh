# Sourced by scripts/demo and scripts/run-example: npm deps, the build, the Pulumi CLI, each with a
# progress line `[  1.2s] phase     message` timed from OSK_STARTED_MS (exported, so the TypeScript
# part continues the same clock). Leaves PATH and PULUMI_OSK_BIN pointing at the CLI.

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

osk_bootstrap() {
  local t0 bin version
  mkdir -p .pulumi-local/logs

  t0="$(osk_now_ms)"
  scripts/install
  osk_phase install "npm dependencies in place ($(osk_seconds_since "$t0"))"

  t0="$(osk_now_ms)"
  if ! npm run --silent build >.pulumi-local/logs/build.log 2>&1; then
    cat .pulumi-local/logs/build.log >&2
    osk_phase build "FAILED: npm run build (output above)"
    return 1
  fi
  osk_phase build "tsc -> dist/ ($(osk_seconds_since "$t0"))"

  # ensure-pulumi: stdout is the bin dir; its stderr is shown live, minus the chatter of a warm run.
  t0="$(osk_now_ms)"
  if ! bin="$(scripts/ensure-pulumi 2> >(grep --line-buffered -v -e 'using cached pulumi' -e 'from PATH' \
      -e 'pulumi-language-nodejs is not available' -e 'inline Automation API programs' -e "but 'pulumi up' on a Pulumi.yaml" \
      | sed 's/^/                  /' >&2))"; then
    osk_phase engine "FAILED: no Pulumi CLI (see above)"
    return 1
  fi
  version="$(PULUMI_SKIP_UPDATE_CHECK=true "$bin/pulumi" version 2>/dev/null || echo unknown)"
  osk_phase engine "pulumi ${version} in $bin ($(osk_seconds_since "$t0"))"
  export PATH="$bin:$PATH" PULUMI_OSK_BIN="$bin"
}

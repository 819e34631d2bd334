#!/usr/bin/env bash
# Installs a real VS Code (code-server, from the npm registry) and headless Chromium for the e2e tests.
#
# code-server's own install scripts download things (ripgrep from GitHub, node-gyp through npx, …) and fail without
# the internet, so it is installed with --ignore-scripts and the scripts' work is finished here by hand. The
# install lives outside the checkout, in ${MEDIA_SUMMARIZER_E2E_CACHE:-~/.cache/media-summarizer-e2e}/code-server,
# so CI and later runs reuse it; a marker written after the last step says it is complete. Re-running is quiet
# and takes well under a second once the marker is there. Prints the workbench entry point's path on request:
#   test/e2e/setup-code-server.sh --print-entry
set -euo pipefail

readonly VERSION=4.100.3
readonly CACHE="${MEDIA_SUMMARIZER_E2E_CACHE:-$HOME/.cache/media-summarizer-e2e}"
readonly ROOT="$CACHE/code-server"
readonly MARKER="$ROOT/.complete-$VERSION"
readonly LOG="$CACHE/setup-code-server.log"
readonly VSCODE="$ROOT/node_modules/code-server/lib/vscode"
readonly ENTRY="$ROOT/node_modules/code-server/out/node/entry.js"

fail() { echo "setup-code-server: $*" >&2; exit 1; }

# code-server 4.100 is built for Node 20's ABI (its native modules and its engines field); another major fails
# later with an opaque "NODE_MODULE_VERSION" error, so say it now.
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || fail "node not found on PATH; install Node 20"
[[ "$node_major" == 20 ]] || fail "code-server $VERSION needs Node 20, found $(node --version); switch to Node 20 (e.g. nvm use 20)"

# Debian packages: kerberos headers for the kerberos addon, ripgrep for VS Code's search (its npm package's
# downloader cannot reach GitHub), chromium as the browser playwright-core drives.
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null || missing+=(ripgrep)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]})); then
  echo "setup-code-server: installing Debian packages: ${missing[*]}"
  [[ $EUID -eq 0 ]] || fail "need root to apt-get install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
  mkdir -p "$CACHE"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$CACHE/apt.log" 2>&1 || { tail -n 20 "$CACHE/apt.log" >&2; fail "apt-get install ${missing[*]} failed (log: $CACHE/apt.log)"; }
fi

if [[ -f "$MARKER" && -f "$ENTRY" ]]; then
  [[ "${1:-}" == --print-entry ]] && echo "$ENTRY"
  exit 0
fi

mkdir -p "$ROOT"
# One installer at a time: two test runs starting together would otherwise interleave npm in the same tree.
exec 9>"$CACHE/.setup.lock"
flock -w 1800 9 || fail "another setup has held $CACHE/.setup.lock for 30 minutes; if none is running, delete it"
if [[ -f "$MARKER" && -f "$ENTRY" ]]; then   # the other installer finished while we waited
  [[ "${1:-}" == --print-entry ]] && echo "$ENTRY"
  exit 0
fi

echo "setup-code-server: installing code-server $VERSION into $ROOT (a few minutes, once; log: $LOG)"
: >"$LOG"
step() {   # step "what" command...: runs quietly into the log; on failure shows the log's tail and stops
  local what="$1"; shift
  echo "== $what: $*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    fail "step failed: $what (full log: $LOG). Fix the cause and re-run; finished steps are reused."
  fi
}
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# npm_config_yes lets node-pty's and argon2's rebuilds fetch node-gyp through npx from the registry.
export npm_config_yes=true

cd "$ROOT"
[[ -f package.json ]] || echo '{ "name": "code-server-e2e-cache", "private": true }' >package.json
step "install code-server" npm install --ignore-scripts --no-save "code-server@$VERSION"
step "build argon2" npm rebuild argon2

cd "$VSCODE"
step "install VS Code's server dependencies" npm install --omit=dev --ignore-scripts
step "build VS Code's native modules" npm rebuild --ignore-scripts=false @vscode/spdlog node-pty @parcel/watcher native-watchdog kerberos

# What code-server's skipped postinstall would have done.
ln -sfn node_modules "$VSCODE/node_modules.asar"
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
ln -sfn "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn code-linux.sh "$VSCODE/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$VSCODE/bin/helpers/browser.sh"

cd "$VSCODE/extensions"
step "install built-in extensions' dependencies" npm install --omit=dev --ignore-scripts

# Prove it starts before calling it done: --version loads the server's modules. Its config file goes to a
# throwaway folder, not the user's ~/.config.
step "check code-server starts" env XDG_CONFIG_HOME="$ROOT/.check" XDG_DATA_HOME="$ROOT/.check" node "$ENTRY" --version
date -u +%FT%TZ >"$MARKER"
echo "setup-code-server: code-server $VERSION ready"
[[ "${1:-}" == --print-entry ]] && echo "$ENTRY"
exit 0

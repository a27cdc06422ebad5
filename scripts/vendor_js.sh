#!/usr/bin/env bash
# Vendor the browser runtime's third-party ES modules into src/inset/runtime/static/vendor/.
#
# No CDN at run time and no build step: we `npm pack` exact, pinned versions into a temp
# dir, copy their ES-module builds, and rewrite bare import specifiers ("preact",
# "preact/hooks", "@preact/signals-core") to relative paths, because the strict CSP
# (script-src 'self') forbids the inline <script type="importmap"> that bare specifiers
# would need. VERSIONS.txt records name, version and sha256 of every file we ship.
#
# Usage: scripts/vendor_js.sh            (re-vendor; commit the result)
#        scripts/vendor_js.sh --check    (exit 1 if the vendored files differ from a fresh pack)
set -euo pipefail

PREACT_VERSION=11.2.0          # @preact/signals 2.x peer: preact ">= 10.25.0 || >=11.0.0-0"
HTM_VERSION=3.1.1
SIGNALS_VERSION=2.11.4
SIGNALS_CORE_VERSION=1.14.5    # the version @preact/signals ${SIGNALS_VERSION} depends on (^1.14.5)
CHARTJS_VERSION=4.6.1          # loaded only by pages with a chart (dynamic import)
KURKLE_COLOR_VERSION=0.3.4     # the version chart.js ${CHARTJS_VERSION} depends on (^0.3.0)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/inset/runtime/static/vendor"
CHECK=0
if [[ "${1:-}" == "--check" ]]; then CHECK=1; fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"
mkdir -p "$OUT"

cd "$WORK"
npm pack --silent "preact@$PREACT_VERSION" "htm@$HTM_VERSION" \
  "@preact/signals@$SIGNALS_VERSION" "@preact/signals-core@$SIGNALS_CORE_VERSION" \
  "chart.js@$CHARTJS_VERSION" "@kurkle/color@$KURKLE_COLOR_VERSION" >/dev/null

unpack() {  # tarball -> dir
  mkdir -p "$2"
  tar -xzf "$1" -C "$2"
}
unpack "preact-$PREACT_VERSION.tgz" preact
unpack "htm-$HTM_VERSION.tgz" htm
unpack "preact-signals-$SIGNALS_VERSION.tgz" signals
unpack "preact-signals-core-$SIGNALS_CORE_VERSION.tgz" signals-core
unpack "chart.js-$CHARTJS_VERSION.tgz" chartjs
unpack "kurkle-color-$KURKLE_COLOR_VERSION.tgz" kurkle-color

# source file inside the package -> file name we ship
copy() {
  local src="$1" name="$2"
  # Rewrite bare specifiers to sibling files; drop source-map comments (maps aren't shipped).
  sed -E \
    -e 's#(from ?|import ?)"preact/hooks"#\1"./hooks.module.js"#g' \
    -e 's#(from ?|import ?)"preact"#\1"./preact.module.js"#g' \
    -e 's#(from ?|import ?)"@preact/signals-core"#\1"./signals-core.module.js"#g' \
    -e "s#(from ?|import ?)'./chunks/index.js'#\\1\"./chart-helpers.module.js\"#g" \
    -e "s#(from ?|import ?)'@kurkle/color'#\\1\"./chart-color.module.js\"#g" \
    -e '/^\/\/# sourceMappingURL=.*$/d' \
    -e 's#//\# sourceMappingURL=[^ ]*$##' \
    "$src" >"$OUT/$name"
  if grep -qE "(from ?|import ?)[\"'][^./][^\"']*[\"']" "$OUT/$name"; then
    echo "error: $name still has a bare import specifier" >&2
    grep -oE '(from ?|import ?)"[^./][^"]*"' "$OUT/$name" >&2
    exit 1
  fi
}
copy preact/package/dist/preact.mjs preact.module.js
copy preact/package/hooks/dist/hooks.mjs hooks.module.js
copy htm/package/dist/htm.module.js htm.module.js
copy signals/package/dist/signals.mjs signals.module.js
copy signals-core/package/dist/signals-core.mjs signals-core.module.js
copy chartjs/package/dist/chart.js chart.module.js
copy chartjs/package/dist/chunks/index.js chart-helpers.module.js
copy kurkle-color/package/dist/color.esm.js chart-color.module.js
cp chartjs/package/LICENSE.md "$OUT/LICENSE.chartjs"
cp kurkle-color/package/LICENSE.md "$OUT/LICENSE.kurkle-color"
cp preact/package/LICENSE "$OUT/LICENSE.preact"
cp htm/package/LICENSE "$OUT/LICENSE.htm"
cp signals/package/LICENSE "$OUT/LICENSE.preact-signals"

{
  echo "# Vendored by scripts/vendor_js.sh — do not edit by hand."
  echo "# file  package@version  sha256"
  for pair in \
    "preact.module.js preact@$PREACT_VERSION" \
    "hooks.module.js preact@$PREACT_VERSION" \
    "htm.module.js htm@$HTM_VERSION" \
    "signals.module.js @preact/signals@$SIGNALS_VERSION" \
    "signals-core.module.js @preact/signals-core@$SIGNALS_CORE_VERSION" \
    "LICENSE.preact preact@$PREACT_VERSION" \
    "LICENSE.htm htm@$HTM_VERSION" \
    "LICENSE.preact-signals @preact/signals@$SIGNALS_VERSION" \
    "chart.module.js chart.js@$CHARTJS_VERSION" \
    "chart-helpers.module.js chart.js@$CHARTJS_VERSION" \
    "chart-color.module.js @kurkle/color@$KURKLE_COLOR_VERSION" \
    "LICENSE.chartjs chart.js@$CHARTJS_VERSION" \
    "LICENSE.kurkle-color @kurkle/color@$KURKLE_COLOR_VERSION"; do
    set -- $pair
    echo "$1  $2  $(sha256sum "$OUT/$1" | cut -d' ' -f1)"
  done
} >"$OUT/VERSIONS.txt"

if [[ $CHECK -eq 1 ]]; then
  if diff -r "$OUT" "$DEST" >/dev/null; then
    echo "vendor: up to date"
    exit 0
  fi
  echo "vendor: $DEST differs from a fresh pack; run scripts/vendor_js.sh" >&2
  diff -r "$OUT" "$DEST" >&2 || true
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$OUT"/* "$DEST"/
echo "vendored into $DEST:"
cat "$DEST/VERSIONS.txt"

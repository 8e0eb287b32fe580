#!/usr/bin/env bash
# Build the committed front-end assets into crm/static/.
# Needs Node and `npm ci` (or `npm install`) run in assets/ first; `make assets`
# does both. Runnable from any directory.
set -euo pipefail

ASSETS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$ASSETS_DIR/.." && pwd)"
NODE_MODULES="$ASSETS_DIR/node_modules"
STATIC="$ROOT_DIR/crm/static"

GOVUK="$NODE_MODULES/govuk-frontend/dist/govuk"
MOJ="$NODE_MODULES/@ministryofjustice/frontend/moj"
CHARTJS="$NODE_MODULES/chart.js/dist"

if [[ ! -x "$NODE_MODULES/.bin/sass" ]]; then
  echo "build.sh: $NODE_MODULES/.bin/sass not found: run 'npm ci' in assets/ first" >&2
  exit 1
fi

mkdir -p "$STATIC/css" "$STATIC/js" "$STATIC/images"

# CSS. Two load paths: node_modules for our own @use lines, and assets/ itself
# because MOJ Frontend loads GOV.UK Frontend as "node_modules/govuk-frontend/...".
# (Both are absolute, so --quiet-deps treats everything in them as dependencies.)
"$NODE_MODULES/.bin/sass" \
  --load-path="$NODE_MODULES" \
  --load-path="$ASSETS_DIR" \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  "$ASSETS_DIR/scss/app.scss" "$STATIC/css/app.css"

# JS (all three are used as-is; none is bundled further).
cp "$GOVUK/govuk-frontend.min.js" "$STATIC/js/govuk-frontend.min.js"
cp "$MOJ/moj-frontend.min.js" "$STATIC/js/moj-frontend.min.js"
if [[ -f "$CHARTJS/chart.umd.min.js" ]]; then
  cp "$CHARTJS/chart.umd.min.js" "$STATIC/js/chart.umd.min.js"
else
  cp "$CHARTJS/chart.umd.js" "$STATIC/js/chart.umd.min.js"
fi

# Favicon. GOV.UK Frontend's favicon.ico/favicon.svg are the GOV.UK crown, so
# they are not used: ship our own neutral one instead.
cp "$ASSETS_DIR/favicon.svg" "$STATIC/images/favicon.svg"

# Images referenced by the CSS (MOJ Frontend component icons). Copy exactly the
# ones app.css points at, and fail if any url() does not resolve.
missing=0
while IFS= read -r url; do
  case "$url" in
    /static/images/*)
      name="${url#/static/images/}"
      if [[ -f "$MOJ/assets/images/$name" ]]; then
        cp "$MOJ/assets/images/$name" "$STATIC/images/$name"
      elif [[ -f "$GOVUK/assets/images/$name" ]]; then
        cp "$GOVUK/assets/images/$name" "$STATIC/images/$name"
      fi
      ;;
  esac
  if [[ "$url" != /static/* || ! -f "$STATIC/${url#/static/}" ]]; then
    echo "build.sh: app.css references $url, which is not a file under crm/static/" >&2
    missing=1
  fi
done < <(grep -o 'url([^)]*)' "$STATIC/css/app.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u)

if grep -q "GDS Transport" "$STATIC/css/app.css"; then
  echo "build.sh: app.css mentions GDS Transport" >&2
  missing=1
fi

if [[ "$missing" -ne 0 ]]; then
  exit 1
fi

echo "Built:"
(cd "$ROOT_DIR" && ls -l crm/static/css/app.css crm/static/js/govuk-frontend.min.js \
  crm/static/js/moj-frontend.min.js crm/static/js/chart.umd.min.js)

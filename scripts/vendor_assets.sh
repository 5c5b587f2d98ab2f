#!/usr/bin/env bash
# Vendors the browser assets the pages use into passport/web/static/, from npm, pinned by version
# and integrity hash. Run it only to upgrade (then commit the files): CI and the product never
# need npm. Also vendors axe-core, which the page tests inject, into tests/pages/vendor/ (the
# tests run offline too).
set -euo pipefail
cd "$(dirname "$0")/.."

# name  version  integrity (from `npm view NAME@VERSION dist.integrity`)
PACKAGES=(
  "nhsuk-frontend 10.6.1 sha512-PZorqQZjZx/A26yJoskCL9z0ib6AtkAyF0o4K/RHr8zRrJyXrUOCnMbjy0VNXsGO4tfTNMwqlkwATKs4a0xayw=="
  "swagger-ui-dist 5.35.0 sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
  "axe-core 4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # name version integrity -> unpacked into $work/$name/package
  local name=$1 version=$2 integrity=$3
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  local tarball="$work/$name-$version.tgz"
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $name@$version: $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name"
}

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity <<<"$entry"
  fetch "$name" "$version" "$integrity"
done

static=passport/web/static
rm -rf "$static/nhsuk" "$static/swagger-ui"
mkdir -p "$static/nhsuk" "$static/swagger-ui"
nhs="$work/nhsuk-frontend/package/dist/nhsuk"
# The CSS, served from /static/nhsuk/: image paths made relative to it, and without the
# Frutiger web fonts (licensed to nhs.uk and loaded from its CDN: the pages fall back to Arial,
# as the design system does when the font is unavailable) and source-map comments.
sed -e 's#url(/assets/#url(assets/#g' \
    -e 's#@font-face{[^}]*assets\.nhs\.uk[^}]*}##g' \
    -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
  "$nhs"/nhsuk-frontend.min.css >"$static/nhsuk/nhsuk-frontend.min.css"
sed -e 's#//\# sourceMappingURL=.*$##' "$nhs"/nhsuk-frontend.min.js >"$static/nhsuk/nhsuk-frontend.min.js"
mkdir -p "$static/nhsuk/assets/images"
cp "$nhs"/assets/images/*.svg "$nhs"/assets/images/favicon.ico "$static/nhsuk/assets/images/"
# The NHS logo exactly as the design system's header draws it (an inline SVG takes its colour).
sed -n '/<svg class="nhsuk-header__logo"/,/<\/svg>/p' "$nhs"/components/header/template.njk \
  | sed 's/{{ logo.alt | default("NHS") }}/NHS/g' >passport/web/templates/nhsuk_logo.html
swagger="$work/swagger-ui-dist/package"
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$swagger"/swagger-ui.css >"$static/swagger-ui/swagger-ui.css"
sed -e 's#//\# sourceMappingURL=.*$##' "$swagger"/swagger-ui-bundle.js >"$static/swagger-ui/swagger-ui-bundle.js"
cp "$swagger"/LICENSE "$static/swagger-ui/"
mkdir -p tests/pages/vendor
cp "$work/axe-core/package/axe.min.js" tests/pages/vendor/axe.min.js

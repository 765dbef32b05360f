#!/bin/bash
# Vendor Plotly's "cartesian" partial bundle (bar, heatmap, scatter, ...: every trace the product
# draws) into web/static/web/vendor/. The full bundle carries map code that fetches icons and
# geo data from CDNs; this one has none. Its two remaining configuration defaults that name a
# network address (topojsonURL for geo traces, plotlyServerURL for the "edit in Chart Studio"
# link, both unused here) are blanked, so the file served on an offline intranet contains no
# address to fetch. Run by a maintainer when upgrading Plotly; the result is committed.
set -euo pipefail
VERSION=${1:-4.1.1}
DEST=src/cadretrain/web/static/web/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack -q "plotly.js-cartesian-dist-min@$VERSION" >/dev/null && tar xzf ./*.tgz)
sed -e 's#dflt:"https://cdn.plot.ly/un/"#dflt:""#' \
    -e 's#dflt:"https://cloud.plotly.com/newchart"#dflt:""#' \
    "$work/package/plotly-cartesian.min.js" > "$DEST/plotly.min.js"
cp "$work/package/LICENSE" "$DEST/LICENSE_plotly.js_MIT.txt"
if grep -qE 'cdn\.plot\.ly|cloud\.plotly\.com|jsdelivr' "$DEST/plotly.min.js"; then
  echo "a network address is still in $DEST/plotly.min.js" >&2; exit 1
fi
echo "vendored plotly.js cartesian $VERSION ($(wc -c < "$DEST/plotly.min.js") bytes)"

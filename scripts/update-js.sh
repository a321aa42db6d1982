#!/usr/bin/env bash
# Brings the JavaScript the HTML reports embed from the npm registry: uPlot (MIT,
# github.com/leeoniya/uPlot), pinned. The files are kept in src/castor/report/js/ so that a
# build needs no network; run this to move to another version, then check the reports.
set -euo pipefail
version="${1:-1.6.32}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/castor/report/js"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "uplot@$version" >/dev/null && tar xzf "uplot-$version.tgz")
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$dest/"
cp "$tmp/package/LICENSE" "$dest/LICENSE.uPlot"
(cd "$dest" && sha256sum uPlot.iife.min.js uPlot.min.css > SHA256SUMS)
echo "uPlot $version in $dest"

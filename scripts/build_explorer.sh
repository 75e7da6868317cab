#!/usr/bin/env bash
# Rebuild the explorer's vendored JavaScript (toolkit/o2c/_explore/vendor/) from the npm registry,
# exactly the versions pinned in toolkit/o2c/_explore/js/package-lock.json. Needs node and npm;
# the vendor files are committed, so installing, testing and CI need neither.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
js="$here/toolkit/o2c/_explore/js"
vendor="$here/toolkit/o2c/_explore/vendor"
cd "$js"
npm ci --no-audit --no-fund
rm -rf "$vendor"
mkdir -p "$vendor"
# the published minified builds (UMD: they define window.cytoscape and window.cytoscapeDagre)
cp node_modules/cytoscape/dist/cytoscape.min.js "$vendor/cytoscape.min.js"
cp node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js "$vendor/cytoscape-dagre.min.js"
# their licences (cytoscape-dagre's build bundles @dagrejs/dagre and @dagrejs/graphlib)
cp node_modules/cytoscape/LICENSE "$vendor/LICENSE.cytoscape"
cp node_modules/cytoscape-dagre/LICENSE "$vendor/LICENSE.cytoscape-dagre"
cp node_modules/@dagrejs/dagre/LICENSE "$vendor/LICENSE.dagre"
cp node_modules/@dagrejs/graphlib/LICENSE "$vendor/LICENSE.graphlib"
node -e '
const lock = require("./package-lock.json").packages;
const names = ["cytoscape", "cytoscape-dagre", "@dagrejs/dagre", "@dagrejs/graphlib"];
const lines = names.map((n) => `${n} ${lock["node_modules/" + n].version} ${lock["node_modules/" + n].license}`);
require("fs").writeFileSync(process.argv[1], lines.join("\n") + "\n");
' "$vendor/VERSIONS"
echo "vendored into $vendor:"; ls -l "$vendor"

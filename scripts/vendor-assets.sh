#!/usr/bin/env bash
# Re-fetch the web application's vendored front-end files by pinned version (npm pack, at
# development time only: nothing is fetched when dangan runs) and check each file's SHA-256
# against src/dangan/web/static/vendor/MANIFEST.json.
#
#   bash scripts/vendor-assets.sh          # fetch, compare with MANIFEST.json, fail on a difference
#   bash scripts/vendor-assets.sh --update # fetch and rewrite MANIFEST.json (after changing a pin)
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/dangan/web/static/vendor
MODE=${1:-check}
# package  version  licence  files taken from the package (paths inside package/)
PINS=(
  "htmx.org 2.0.11 0BSD dist/htmx.min.js"
  "swagger-ui-dist 5.35.0 Apache-2.0 swagger-ui-bundle.js swagger-ui.css"
  "openseadragon 6.1.1 BSD-3-Clause build/openseadragon/openseadragon.min.js"
  "echarts 5.6.0 Apache-2.0 dist/echarts.min.js"
)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for pin in "${PINS[@]}"; do
  read -r name version licence files <<<"$pin"
  (cd "$TMP" && npm pack --silent "$name@$version" >/dev/null)
  mkdir -p "$TMP/$name"
  tar -xzf "$TMP/$name-$version.tgz" -C "$TMP/$name"
  out="$VENDOR/$name"
  mkdir -p "$out"
  for f in $files; do cp "$TMP/$name/package/$f" "$out/$(basename "$f")"; done
  for lic in LICENSE LICENSE.md LICENSE.txt license; do
    if [ -f "$TMP/$name/package/$lic" ]; then cp "$TMP/$name/package/$lic" "$out/LICENSE"; break; fi
  done
  [ -f "$out/LICENSE" ] || { echo "no licence file in $name@$version" >&2; exit 1; }
  echo "$name $version $licence $files" >>"$TMP/pins.txt"
done
python3 - "$VENDOR" "$TMP/pins.txt" "$MODE" <<'PY'
import hashlib, json, pathlib, sys
vendor, pins, mode = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
entries = []
for line in pins.read_text().splitlines():
    name, version, licence, *files = line.split()
    names = [pathlib.Path(f).name for f in files] + ["LICENSE"]
    entries.append({"package": name, "version": version, "licence": licence,
                    "source": f"npm pack {name}@{version}",
                    "files": {n: hashlib.sha256((vendor / name / n).read_bytes()).hexdigest()
                              for n in names}})
manifest = vendor / "MANIFEST.json"
text = json.dumps({"packages": entries}, indent=2) + "\n"
if mode == "--update":
    manifest.write_text(text)
    print(f"wrote {manifest}")
elif json.loads(manifest.read_text()) != json.loads(text):
    sys.exit(f"vendored files differ from {manifest}")
else:
    print("vendored files match MANIFEST.json")
PY

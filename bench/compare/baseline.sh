#!/usr/bin/env bash
# Builds the API's code as of an earlier commit into .farm/base-api/dist (after `npm run build`),
# for bench/compare/run.mjs --baseline: the same libraries, node_modules and Prisma client (from
# the current schema), with apps/api/src (or only the given folders of it) as it was at REV, and
# in .farm/base-api/last-migration the name of REV's last migration.
#   bash bench/compare/baseline.sh REV [apps/api/src/compare apps/api/src/results ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev="${1:?usage: baseline.sh REV [paths]}"
shift
paths=("${@:-apps/api/src}")
out=.farm/base-api
rm -rf "$out" && mkdir -p "$out"
cp -r apps/api/src "$out/src" && cp apps/api/package.json "$out/"
git diff --name-only "$rev" -- "${paths[@]}" | while read -r f; do
  dst="$out/${f#apps/api/}"
  if git cat-file -e "$rev:$f" 2>/dev/null; then mkdir -p "$(dirname "$dst")" && git show "$rev:$f" >"$dst"; else rm -f "$dst"; fi
done
cat >"$out/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "types": ["node", "multer"], "composite": false, "incremental": false, "declaration": false, "declarationMap": false },
  "include": ["src"],
  "exclude": ["src/**/*.spec.ts"]
}
JSON
npx --no-install tsc -p "$out/tsconfig.json"
# The last migration REV had: a bench can give the baseline a database with REV's schema.
git ls-tree --name-only "$rev" prisma/migrations/ | grep -v '\.toml$' | tail -1 | xargs basename >"$out/last-migration"
echo "$out/dist/main.js"

#!/usr/bin/env bash
# Every test: lint, unit tests (no root needed), then integration tests (root, real runc
# sandboxes, one file at a time since they share the machine), then a leak check.
set -euo pipefail
cd "$(dirname "$0")/.."

npx biome check --error-on-warnings .
# Tests and benchmarks are type-checked too (the build covers the sources).
npx tsc -p tsconfig.check.json

mapfile -t unit < <(find packages -path '*/node_modules' -prune -o -path '*/src/*' -name '*.test.ts' -print | sort)
mapfile -t integ < <(find packages -path '*/node_modules' -prune -o -path '*/test/integration/*' -name '*.test.ts' -print | sort)

status=0
if ((${#unit[@]})); then
  node --import tsx --test --test-concurrency=2 "${unit[@]}" || status=1
fi
if ((${#integ[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "integration tests need root (real runc sandboxes); run npm test as root" >&2; exit 1
  fi
  node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${integ[@]}" || status=1
fi
bash scripts/leak-check.sh || status=1
exit $status

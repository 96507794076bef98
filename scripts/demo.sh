#!/usr/bin/env bash
# The demo: installs what is needed, builds, and serves pipelines/ on 127.0.0.1:8080 from mock
# downstreams (no outside service). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
MOSAIC_BUILD_TYPE=Release bash scripts/build.sh
build/bin/mosaicctl validate pipelines/mosaic.yaml
cat <<'URLS'

Mosaic demo on http://127.0.0.1:8080 — try, in another terminal:
  curl -i http://127.0.0.1:8080/home/42                  # home page; orders fail ~1 in 3 (_meta.degraded, X-Mosaic-Partial)
  curl -i 'http://127.0.0.1:8080/listings/cars?page=2'   # listing; prices depend on the listing and may time out
  curl -i -X POST http://127.0.0.1:8080/checkout/42 -d '{"items":[{"sku":"b-17","qty":1}],"coupon":"WELCOME"}'
  curl -i http://127.0.0.1:8080/nope                     # JSON 404 with the request id
Background steps (recommendations, view, analytics) are listed in _meta.pending.

URLS
exec build/bin/mosaicd --config pipelines/mosaic.yaml

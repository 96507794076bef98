#!/usr/bin/env bash
# Benchmark: a dashboard-like page (three parallel steps and one that depends on them) over http
# downstreams versus https downstreams (private CA, verification on), both served by one nginx.
# Reports requests/sec and latency from wrk, and the TLS handshakes per request after warm-up,
# measured server-side: nginx connection numbers in the measured run's access log that the
# warm-up did not use.
#
#   bash bench/tls/tls_dashboard.sh            # SECS=5 CONNS=16; BUILD=build-tls
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-tls}
SECS=${SECS:-5}
CONNS=${CONNS:-16}
WORK=$(mktemp -d /tmp/mosaic-tls-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $WORK/nginx.pid ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout server.key \
  -out server.csr 2>/dev/null
echo "subjectAltName=IP:127.0.0.1" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
  -out server.pem 2>/dev/null

http_port=$(free_port); https_port=$(free_port)
mkdir -p logs
cat > nginx.conf <<NGINX
worker_processes 1;
daemon on;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 1024; }
http {
  log_format conn '\$connection \$ssl_session_reused';
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$http_port;
    access_log $WORK/logs/http.log conn;
    location / { default_type application/json; return 200 '{"id":"42","name":"Ada","items":[1,2,3]}'; }
  }
  server {
    listen 127.0.0.1:$https_port ssl;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log $WORK/logs/https.log conn;
    location / { default_type application/json; return 200 '{"id":"42","name":"Ada","items":[1,2,3]}'; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"

mkdir -p pipelines
cat > pipelines/dashboard.yaml <<'YAML'
endpoint: GET /dashboard/{userId}
deadline: 1500ms
steps:
  auth:     { call: users, class: critical,   with: { path: "/auth/${params.userId}" } }
  profile:  { call: users, class: critical,   with: { path: "/profile/${params.userId}" } }
  orders:   { call: users, class: degradable, with: { path: "/orders/${params.userId}" } }
  greeting: { call: users, class: degradable, with: { path: "/greet/${steps.profile.name}" } }
YAML

run_one() {  # scheme port -> prints "rps p50 p99 requests connections"
  local scheme=$1 port=$2 mport
  mport=$(free_port)
  local tls=""
  [[ $scheme == https ]] && tls=", tls: { ca_file: \"$WORK/ca.pem\" }"
  cat > "mosaic-$scheme.yaml" <<YAML
server:  { listen: 127.0.0.1:$mport, threads: 64 }
admin:   { listen: 127.0.0.1:0 }
plugins: { paths: [$BUILD/plugins] }
logging: { level: warn }
downstreams:
  users: { plugin: http, timeout: 800ms, config: { base_url: "$scheme://127.0.0.1:$port", max_connections: 64$tls } }
pipelines: [pipelines/*.yaml]
YAML
  "$BUILD/bin/mosaicd" --config "mosaic-$scheme.yaml" 2>"logs/mosaicd-$scheme.log" &
  pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$mport/dashboard/42" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c"$CONNS" -d2s "http://127.0.0.1:$mport/dashboard/42" >/dev/null  # warm-up
  awk '{print $1}' "logs/$scheme.log" | sort -u > "logs/$scheme.warm"
  : > "logs/$scheme.log"  # nginx keeps appending to the same (truncated) file
  local out; out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$mport/dashboard/42")
  local rps p50 p99 requests conns
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  requests=$(wc -l < "logs/$scheme.log")
  # Connections first seen in the measured run: each one a new TCP connection (and TLS handshake).
  conns=$(awk '{print $1}' "logs/$scheme.log" | sort -u | comm -23 - "logs/$scheme.warm" | wc -l)
  echo "$rps $p50 $p99 $requests $conns"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

printf '%-6s %10s %8s %8s %12s %12s %14s\n' scheme req/s p50 p99 downstream new-conns handshakes/req
for scheme in http https; do
  port=$http_port; [[ $scheme == https ]] && port=$https_port
  read -r rps p50 p99 requests conns < <(run_one "$scheme" "$port")
  per=$(python3 -c "print(f'{$conns/$requests:.5f}' if $requests else 'n/a')")
  [[ $scheme == http ]] && per="-"
  printf '%-6s %10s %8s %8s %12s %12s %14s\n' "$scheme" "$rps" "$p50" "$p99" "$requests" "$conns" "$per"
done

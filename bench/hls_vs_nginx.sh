#!/usr/bin/env bash
# wrk against one HLS segment and the playlist of relaycast (served from memory) and of
# nginx serving what nginx-rtmp wrote to disk, in the same run, with the shared
# harness's hls_wrk.sh: requests/s and server CPU per request and per byte.
#
# Usage: bench/hls_vs_nginx.sh   (DUR=20 THREADS=2 CONNS=100 as in hls_wrk.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
export BENCH_OUT=${BENCH_OUT:-/tmp/relaycast-bench}
RTMP_PORT=${RTMP_PORT:-19400}
HTTP_PORT=${HTTP_PORT:-18400}
BIN=${RELAYCAST_BIN:-$ROOT/build/relaycast}
[ -x "$BIN" ] || { echo "build relaycast first (make build): $BIN is missing" >&2; exit 1; }
[ -f "$BENCH_OUT/media/test.flv" ] || "$HARNESS/make_media.sh"
mkdir -p "$BENCH_OUT/results"
OUT="$BENCH_OUT/results/hls-wrk-$(date +%Y%m%d-%H%M%S).txt"
KEY=hls$$

summary() { grep -E '^(===|segment:|summary|Requests/sec|Transfer/sec|cpu_)' || true; }

NPID=$("$HARNESS/nginx/start.sh")
echo "### nginx-rtmp (HLS from disk)" | tee "$OUT"
"$HARNESS/hls_wrk.sh" "$NPID" "http://127.0.0.1:18080/hls/$KEY.m3u8" "rtmp://127.0.0.1:19350/live/$KEY" \
  | tee -a "$OUT" | summary
"$HARNESS/nginx/stop.sh" > /dev/null
sleep 2

"$BIN" serve --bind 127.0.0.1 --rtmp-port "$RTMP_PORT" --http-port "$HTTP_PORT" --log-level warn \
  > "$BENCH_OUT/results/relaycast-hls-server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
sleep 0.5
echo "### relaycast (HLS from memory)" | tee -a "$OUT"
"$HARNESS/hls_wrk.sh" "$PID" "http://127.0.0.1:$HTTP_PORT/live/$KEY/index.m3u8" "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" \
  | tee -a "$OUT" | summary
echo "saved: $OUT"

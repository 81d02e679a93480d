#!/usr/bin/env bash
# RTMP fan-out of relaycast against nginx-rtmp in the same run, with the shared harness
# (../shared/bench, see its README): server CPU per delivered byte, memory per viewer,
# failed viewers and time to the first keyframe, as ratios relaycast / nginx-rtmp.
#
# Usage: bench/fanout_vs_nginx.sh [VIEWERS] [SECONDS] [WORKERS]   (defaults 200 30 1)
# Results: $BENCH_OUT/results (default /tmp/relaycast-bench/results).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
N=${1:-200}
SECS=${2:-30}
WORKERS=${3:-1}
PLAYER=${PLAYER:-rtmpdump}
export BENCH_OUT=${BENCH_OUT:-/tmp/relaycast-bench}
export PLAYER
RTMP_PORT=${RTMP_PORT:-19400}
HTTP_PORT=${HTTP_PORT:-18400}
BIN=${RELAYCAST_BIN:-$ROOT/build/relaycast}

[ -x "$BIN" ] || { echo "build relaycast first (make build): $BIN is missing" >&2; exit 1; }
[ -d "$HARNESS" ] || { echo "the benchmark harness is not at $HARNESS (set HARNESS=...)" >&2; exit 1; }
[ -f "$BENCH_OUT/media/test.flv" ] || "$HARNESS/make_media.sh"
mkdir -p "$BENCH_OUT/results"
ulimit -n 65536 2>/dev/null || true

"$BIN" serve --bind 127.0.0.1 --rtmp-port "$RTMP_PORT" --http-port "$HTTP_PORT" --workers "$WORKERS" \
  --log-level warn > "$BENCH_OUT/results/relaycast-server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$RTMP_PORT) 2>/dev/null && break
  sleep 0.1
done

if [ "$PLAYER" = curl ]; then
  PLAY="http://127.0.0.1:$HTTP_PORT/live/{key}.flv"
else
  PLAY="rtmp://127.0.0.1:$RTMP_PORT/live/{key}"
fi
OUT="$BENCH_OUT/results/fanout-$PLAYER-n$N-w$WORKERS-$(date +%Y%m%d-%H%M%S).txt"
"$HARNESS/compare_fanout.sh" "$PID" "rtmp://127.0.0.1:$RTMP_PORT/live/{key}" "$PLAY" "$N" "$SECS" | tee "$OUT"
echo "saved: $OUT"

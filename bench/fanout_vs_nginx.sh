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

# The kernel's floor in the same run: what one write per video frame to N readers
# costs with no server around it (bench/sendmsg_floor.cpp). Set FLOOR=0 to skip.
if [ "${FLOOR:-1}" = 1 ]; then
  FLOOR_BIN="$BENCH_OUT/sendmsg_floor"
  g++ -O2 -std=c++20 -o "$FLOOR_BIN" "$ROOT/bench/sendmsg_floor.cpp"
  "$FLOOR_BIN" "$N" "$SECS" 30 2500 | tee -a "$OUT"
  python3 - "$OUT" <<'PY' | tee -a "$OUT"
import json, re, sys
text = open(sys.argv[1]).read()
nginx = json.loads(re.search(r"^nginx-rtmp (\{.*\})$", text, re.M).group(1))["cpu_ns_per_byte"]
server = json.loads(re.search(r"^server +(\{.*\})$", text, re.M).group(1))["cpu_ns_per_byte"]
floor = float(re.search(r"cpu_ns_per_byte=([0-9.]+)", text).group(1))
print(f"FLOOR one write per frame: {floor} ns/B = {floor / nginx:.3f} x nginx-rtmp; relaycast above the floor: {server / floor:.2f} x")
PY
fi
echo "saved: $OUT"

// A small line chart on a canvas: the last few minutes of a stream's bitrate or frame
// rate, kept in the page (nothing is stored on the server).

export class Series {
  constructor(keepMs = 5 * 60 * 1000) {
    this.keepMs = keepMs;
    this.points = [];  // [time ms, value]
  }
  push(t, value) {
    if (value == null || !isFinite(value)) return;
    this.points.push([t, value]);
    while (this.points.length && this.points[0][0] < t - this.keepMs) this.points.shift();
  }
}

// Draws `series` ending now, over its window (or what it has, a minute at least, while
// it has less); the scale is from 0 to the maximum seen.
export function drawSparkline(canvas, series, color) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 120, height = canvas.clientHeight || 28;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const points = series.points;
  if (points.length < 2) return;
  const now = points[points.length - 1][0];
  const span = Math.min(series.keepMs, Math.max(60_000, now - points[0][0]));
  const start = now - span;
  const max = Math.max(...points.map((p) => p[1])) || 1;
  const x = (t) => ((t - start) / span) * (width - 2) + 1;
  const y = (v) => height - 2 - (v / max) * (height - 4);
  g.beginPath();
  points.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.stroke();
  g.lineTo(x(now), height);
  g.lineTo(x(points[0][0]), height);
  g.closePath();
  g.globalAlpha = 0.15;
  g.fillStyle = color;
  g.fill();
  g.globalAlpha = 1;
}

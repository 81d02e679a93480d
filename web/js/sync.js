// How the event player keeps its sources together. Every source's frame on screen has
// a wall-clock time from the server (EXT-X-PROGRAM-DATE-TIME: one clock for all streams
// of the node), so camera and slides are in sync when those times are equal. The
// first playing source leads (hls.js keeps it near the live edge); each other one
// follows by playing a little faster or slower than the leader, or, when far off,
// by jumping.

export const DEAD_BAND_S = 0.02;  // closer than this: same rate as the leader
export const GAIN = 0.6;          // rate change per second of offset
export const MAX_ADJUST = 0.3;    // at most 30 % faster or slower than the leader
export const JUMP_ABOVE_S = 1.0;  // further than this: seek

// offset_s: follower's time minus the leader's (positive: the follower is ahead).
// Returns the follower's playback rate and, when it is far off, how far to seek.
export function followerCorrection(offsetS, leaderRate = 1) {
  if (Math.abs(offsetS) > JUMP_ABOVE_S) return { rate: leaderRate, seekBy: -offsetS };
  if (Math.abs(offsetS) < DEAD_BAND_S) return { rate: leaderRate, seekBy: 0 };
  const adjust = Math.max(-MAX_ADJUST, Math.min(MAX_ADJUST, offsetS * GAIN));
  const rate = Math.max(0.5, Math.min(2, leaderRate * (1 - adjust)));
  return { rate: Math.round(rate * 100) / 100, seekBy: 0 };
}

// Whether `time` lies in the video's buffered ranges (a seek there is instant).
export function buffered(video, time) {
  const b = video.buffered;
  for (let i = 0; i < b.length; ++i) if (time >= b.start(i) && time <= b.end(i) - 0.1) return true;
  return false;
}

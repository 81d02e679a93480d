// The event player's sync rule (web/js/sync.js), without a browser: a follower behind
// the leader plays faster, one ahead slower, within bounds, and one far off jumps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEAD_BAND_S, JUMP_ABOVE_S, MAX_ADJUST, followerCorrection } from "../../web/js/sync.js";

test("a follower in step keeps the leader's rate", () => {
  assert.deepEqual(followerCorrection(0, 1), { rate: 1, seekBy: 0 });
  assert.deepEqual(followerCorrection(DEAD_BAND_S / 2, 1.25), { rate: 1.25, seekBy: 0 });
});

test("behind plays faster, ahead slower, never beyond the bounds", () => {
  assert.ok(followerCorrection(-0.2, 1).rate > 1);
  assert.ok(followerCorrection(0.2, 1).rate < 1);
  assert.equal(followerCorrection(-0.9, 1).rate, 1 + MAX_ADJUST);
  assert.equal(followerCorrection(0.9, 1).rate, 1 - MAX_ADJUST);
  assert.ok(followerCorrection(-0.9, 1.9).rate <= 2, "never above twice real time");
  // Proportional: twice the offset, (about) twice the correction.
  const small = 1 - followerCorrection(0.1, 1).rate, large = 1 - followerCorrection(0.2, 1).rate;
  assert.ok(Math.abs(large - 2 * small) < 0.02, `${small} ${large}`);
});

test("far off jumps by the offset", () => {
  assert.deepEqual(followerCorrection(-(JUMP_ABOVE_S + 0.5), 1), { rate: 1, seekBy: JUMP_ABOVE_S + 0.5 });
  assert.deepEqual(followerCorrection(3, 1.5), { rate: 1.5, seekBy: -3 });
});

// Stream, Subscription and StreamRegistry: the GOP cache, the cursor policy and the
// wire forms every viewer shares. A harness in the GStreamer way: push packets in,
// read what a subscriber gets out.
#include "stream/stream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/byte_io.hpp"
#include "format/flv.hpp"
#include "protocol/rtmp/chunk_reader.hpp"
#include "protocol/rtmp/chunk_writer.hpp"
#include "stream/frame.hpp"
#include "stream/stream_registry.hpp"
#include "stream/subscription.hpp"

namespace relaycast {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr uint32_t kChunkSize = 60000;

// ---- Packets -------------------------------------------------------------------

Buffer bytes_for(int64_t ms, size_t size, uint8_t tag) {
  std::vector<uint8_t> b(size);
  for (size_t i = 0; i < size; ++i) b[i] = uint8_t(tag + ms + i);
  return Buffer::copy_of(b);
}

MediaPacket video_config(int64_t ms = 0) {
  return {.kind = TrackKind::video, .codec = Codec::h264, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = false, .config = true, .payload = bytes_for(ms, 30, 0x01)};
}
MediaPacket video(int64_t ms, bool key, size_t size = 100) {
  return {.kind = TrackKind::video, .codec = Codec::h264, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms + 80),
          .keyframe = key, .config = false, .payload = bytes_for(ms, size, key ? 0x65 : 0x41)};
}
MediaPacket audio_config(int64_t ms = 0) {
  return {.kind = TrackKind::audio, .codec = Codec::aac, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = false, .config = true, .payload = Buffer::copy_of(std::string_view("\x12\x10", 2))};
}
MediaPacket audio(int64_t ms, size_t size = 20) {
  return {.kind = TrackKind::audio, .codec = Codec::aac, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = true, .config = false, .payload = bytes_for(ms, size, 0x21)};
}
MediaPacket metadata(int64_t ms = 0) {
  return {.kind = TrackKind::data, .codec = Codec::script, .dts = ms_to_ticks(ms), .pts = ms_to_ticks(ms),
          .keyframe = false, .config = false, .payload = Buffer::copy_of(std::string_view("\x02\x00\x0aonMetaData", 13))};
}

// What a test says it expects of a frame: its kind and time, and what sort of packet.
enum class What { video_config, keyframe, frame, audio_config, audio, metadata };
struct Seen {
  What what;
  int64_t ms;
  bool operator==(const Seen&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Seen& s) {
  static const char* names[] = {"video_config", "keyframe", "frame", "audio_config", "audio", "metadata"};
  return os << names[int(s.what)] << "@" << s.ms;
}
Seen seen(const FramePtr& f) {
  const auto& p = f->packet;
  const int64_t ms = ticks_to_ms(p.dts);
  switch (p.kind) {
    case TrackKind::video: return {p.config ? What::video_config : p.keyframe ? What::keyframe : What::frame, ms};
    case TrackKind::audio: return {p.config ? What::audio_config : What::audio, ms};
    case TrackKind::data: return {What::metadata, ms};
  }
  return {What::metadata, -1};
}
std::vector<Seen> seen(const std::vector<FramePtr>& frames) {
  std::vector<Seen> out;
  for (const auto& f : frames) out.push_back(seen(f));
  return out;
}

std::shared_ptr<Stream> make_stream(StreamLimits limits = {}) {
  return std::make_shared<Stream>("live/test", PublisherInfo{"rtmp", "127.0.0.1:5000"}, limits, kChunkSize);
}

// ---- Reading on an io_context ---------------------------------------------------

struct PendingRead {
  std::vector<FramePtr> frames;
  std::optional<ReadStatus> status;
};

asio::awaitable<void> read_into(std::shared_ptr<Subscription> sub, std::shared_ptr<PendingRead> r) {
  r->status = co_await sub->read(r->frames);
}

std::shared_ptr<PendingRead> start_read(asio::io_context& ctx, const std::shared_ptr<Subscription>& sub) {
  auto r = std::make_shared<PendingRead>();
  asio::co_spawn(ctx, read_into(sub, r), asio::detached);
  return r;
}

void poll(asio::io_context& ctx) {
  ctx.restart();
  ctx.poll();
}

// One read, run as far as it goes without blocking.
std::shared_ptr<PendingRead> read_now(asio::io_context& ctx, const std::shared_ptr<Subscription>& sub) {
  auto r = start_read(ctx, sub);
  poll(ctx);
  return r;
}

// Everything a subscriber can read now. When a read has to wait it stays parked
// here, and the next read_all() picks it up, so nothing pushed meanwhile is missed.
struct ReadAll {
  std::vector<FramePtr> frames;
  std::optional<ReadStatus> status;  // of the last read that finished
};
class Viewer {
public:
  Viewer(asio::io_context& ctx, std::shared_ptr<Subscription> sub) : ctx_(ctx), sub_(std::move(sub)) {}
  Viewer(const Viewer&) = delete;
  ~Viewer() {
    if (parked_) {
      sub_->cancel();
      poll(ctx_);
    }
  }

  ReadAll read_all() {
    ReadAll all;
    for (int i = 0; i < 100000; ++i) {
      auto r = parked_ ? std::exchange(parked_, nullptr) : start_read(ctx_, sub_);
      poll(ctx_);
      if (!r->status) {
        parked_ = r;
        return all;
      }
      all.status = r->status;
      all.frames.insert(all.frames.end(), r->frames.begin(), r->frames.end());
      if (*r->status != ReadStatus::frames) return all;
    }
    ADD_FAILURE() << "reads never stopped";
    return all;
  }
  Subscription* operator->() const { return sub_.get(); }

private:
  asio::io_context& ctx_;
  std::shared_ptr<Subscription> sub_;
  std::shared_ptr<PendingRead> parked_;
};

ReadAll read_until_waiting(asio::io_context& ctx, const std::shared_ptr<Subscription>& sub) {
  return Viewer(ctx, sub).read_all();
}

// A read that cancels itself cleanly at the end of a test (no coroutine left parked).
void finish(asio::io_context& ctx, const std::shared_ptr<Subscription>& sub) {
  sub->cancel();
  poll(ctx);
}

// ---- New subscribers: headers first, then the newest keyframe -------------------

TEST(Stream, NewSubscriberGetsMetadataAndConfigsThenStartsAtTheNewestKeyframe) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(metadata(0));
  stream->push(video_config(0));
  stream->push(audio_config(0));
  stream->push(video(0, true));
  stream->push(audio(10));
  stream->push(video(40, false));
  stream->push(video(80, false));
  stream->push(audio(50));
  stream->push(video(120, true));  // newest keyframe
  stream->push(audio(130));
  stream->push(video(160, false));

  auto sub = stream->subscribe(ctx.get_executor());
  auto r = read_now(ctx, sub);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::metadata, 0},
                                                {What::video_config, 0},
                                                {What::audio_config, 0},
                                                {What::keyframe, 120},
                                                {What::audio, 130},
                                                {What::frame, 160}}));
  EXPECT_EQ(sub->frames_dropped(), 0u);

  auto next = read_now(ctx, sub);
  EXPECT_FALSE(next->status) << "nothing more: the read waits";
  stream->push(video(200, false));
  poll(ctx);
  ASSERT_EQ(next->status, ReadStatus::frames);
  EXPECT_EQ(seen(next->frames), (std::vector<Seen>{{What::frame, 200}}));
}

TEST(Stream, NewSubscriberGetsTheLatestConfigAndMetadataOnly) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(metadata(0));
  stream->push(video_config(0));
  stream->push(audio_config(0));
  stream->push(video(0, true));
  stream->push(metadata(500));
  stream->push(video_config(1000));
  stream->push(video(1000, true));

  auto sub = stream->subscribe(ctx.get_executor());
  auto r = read_now(ctx, sub);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::metadata, 500},
                                                {What::video_config, 1000},
                                                {What::audio_config, 0},
                                                {What::keyframe, 1000}}));
  const auto h = stream->headers();
  ASSERT_TRUE(h.metadata && h.video_config && h.audio_config);
  EXPECT_EQ(seen(h.video_config), (Seen{What::video_config, 1000}));
  finish(ctx, sub);
}

TEST(Stream, SubscriberBeforeAnyKeyframeSkipsVideoUntilTheFirstKeyframeButGetsAudio) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(video_config(0));
  stream->push(audio_config(0));
  stream->push(video(0, false));  // the publisher joined mid-GOP

  auto sub = stream->subscribe(ctx.get_executor());
  stream->push(video(40, false));
  stream->push(audio(45));
  stream->push(video(80, false));
  stream->push(audio(90));
  stream->push(video(120, true));
  stream->push(video(160, false));
  stream->push(audio(170));

  auto r = read_until_waiting(ctx, sub);
  EXPECT_EQ(seen(r.frames), (std::vector<Seen>{{What::video_config, 0},
                                               {What::audio_config, 0},
                                               {What::audio, 45},
                                               {What::audio, 90},
                                               {What::keyframe, 120},
                                               {What::frame, 160},
                                               {What::audio, 170}}));
}

TEST(Stream, SubscriberOfAnEmptyStreamGetsConfigsInBandAndWaitsForAKeyframe) {
  asio::io_context ctx;
  auto stream = make_stream();
  auto sub = stream->subscribe(ctx.get_executor());
  stream->push(metadata(0));
  stream->push(video_config(0));
  stream->push(audio_config(0));
  stream->push(video(0, false));
  stream->push(audio(5));
  stream->push(video(40, true));

  auto r = read_until_waiting(ctx, sub);
  EXPECT_EQ(seen(r.frames), (std::vector<Seen>{{What::metadata, 0},
                                               {What::video_config, 0},
                                               {What::audio_config, 0},
                                               {What::audio, 5},
                                               {What::keyframe, 40}}));
}

TEST(Stream, AudioOnlyStreamIsReadFromWhereTheSubscriberJoined) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(audio_config(0));
  stream->push(audio(0));
  auto sub = stream->subscribe(ctx.get_executor());
  stream->push(audio(23));
  stream->push(audio(46));
  auto r = read_until_waiting(ctx, sub);
  EXPECT_EQ(seen(r.frames),
            (std::vector<Seen>{{What::audio_config, 0}, {What::audio, 23}, {What::audio, 46}}));
}

TEST(Stream, ReadsComeInBatchesOfAtMostMaxBatchFrames) {
  asio::io_context ctx;
  auto stream = make_stream({.max_batch_frames = 8});
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  for (int i = 1; i < 30; ++i) stream->push(video(i * 40, false));
  std::vector<FramePtr> all;
  for (;;) {
    auto r = read_now(ctx, sub);
    if (!r->status) break;
    ASSERT_EQ(r->status, ReadStatus::frames);
    EXPECT_LE(r->frames.size(), 8u);
    all.insert(all.end(), r->frames.begin(), r->frames.end());
  }
  ASSERT_EQ(all.size(), 31u) << "config, keyframe and 29 frames";
  for (size_t i = 2; i < all.size(); ++i) EXPECT_EQ(all[i]->seq, all[i - 1]->seq + 1) << "in order, none lost";
  finish(ctx, sub);
}

// ---- Slow subscribers -----------------------------------------------------------

// Video at 25 fps with a keyframe every `gop` frames, and audio between; returns the
// time after the last packet.
int64_t push_media(Stream& s, int64_t from_ms, int frames, int gop, size_t size = 100, bool with_audio = true) {
  int64_t ms = from_ms;
  for (int i = 0; i < frames; ++i, ms += 40) {
    s.push(video(ms, (ms / 40) % gop == 0, size));
    if (with_audio) s.push(audio(ms + 20));
  }
  return ms;
}

// Where the first keyframe is in what a subscriber read; everything before it must be
// configuration or metadata (sent again after a move forward, DESIGN.md data path 3).
size_t first_keyframe(const std::vector<FramePtr>& frames) {
  size_t i = 0;
  while (i < frames.size() && !(frames[i]->packet.kind == TrackKind::video && frames[i]->packet.keyframe)) {
    const auto& p = frames[i]->packet;
    EXPECT_TRUE(p.config || p.kind == TrackKind::data) << "frame " << i << " before the keyframe: " << seen(frames[i]);
    ++i;
  }
  return i;
}

TEST(Stream, SubscriberThatFellOffTheRingMovesToTheNewestKeyframeAndCountsTheDrop) {
  asio::io_context ctx;
  auto stream = make_stream({.max_viewer_lag_ms = 1000});
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  const uint64_t start_seq = 1;  // the keyframe the subscriber starts at

  // 4 s of video only, a keyframe every 10 frames (400 ms), while it does not read.
  push_media(*stream, 40, 99, 10, 100, false);
  const int64_t newest_key_ms = 3600;

  auto r = read_until_waiting(ctx, sub);
  ASSERT_GE(r.frames.size(), 2u);
  EXPECT_EQ(seen(r.frames[0]), (Seen{What::video_config, 0})) << "pending headers first";
  const size_t key = first_keyframe(r.frames);
  ASSERT_LT(key, r.frames.size());
  EXPECT_EQ(seen(r.frames[key]), (Seen{What::keyframe, newest_key_ms}));
  EXPECT_EQ(seen(r.frames.back()), (Seen{What::frame, 3960}));
  EXPECT_EQ(r.frames.size() - key, 1u + 9) << "the keyframe and the 9 frames after it";
  const uint64_t key_seq = r.frames[key]->seq;
  EXPECT_EQ(sub->frames_dropped(), key_seq - start_seq) << "everything between the old cursor and the keyframe";
  EXPECT_EQ(stream->counters().frames_dropped.load(), key_seq - start_seq);
}

TEST(Stream, SubscriberWithinTheLagLosesNothing) {
  asio::io_context ctx;
  auto stream = make_stream({.max_viewer_lag_ms = 1000});
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  push_media(*stream, 40, 20, 10);  // 800 ms behind at most
  auto r = read_until_waiting(ctx, sub);
  EXPECT_EQ(r.frames.size(), 2u + 40) << "config, keyframe, 20 video and 20 audio";
  EXPECT_EQ(sub->frames_dropped(), 0u);
}

TEST(Stream, RingByteLimitMovesASlowSubscriberEvenWithinTheLag) {
  asio::io_context ctx;
  const size_t frame_bytes = make_frame(0, video(40, false, 1000), kChunkSize)->rtmp_bytes;
  auto stream = make_stream({.max_ring_bytes = 30 * frame_bytes, .max_viewer_lag_ms = 600000});
  stream->push(video_config(0));
  stream->push(video(0, true, 1000));
  auto sub = stream->subscribe(ctx.get_executor());
  push_media(*stream, 40, 499, 10, 1000, false);  // 20 s, well within the lag

  auto r = read_until_waiting(ctx, sub);
  const size_t key = first_keyframe(r.frames);
  ASSERT_LT(key, r.frames.size());
  EXPECT_EQ(seen(r.frames[key]), (Seen{What::keyframe, 19600})) << "the newest keyframe";
  EXPECT_EQ(r.frames.size() - key, 10u) << "the keyframe and the 9 frames after it";
  size_t media_bytes = 0;
  for (size_t i = key; i < r.frames.size(); ++i) media_bytes += r.frames[i]->rtmp_bytes;
  EXPECT_LE(media_bytes, 30 * frame_bytes) << "no more than the ring can hold";
  EXPECT_GT(sub->frames_dropped(), 400u);
}

TEST(Stream, SubscriberMovedForwardTooOftenIsTooSlow) {
  asio::io_context ctx;
  auto stream = make_stream({.max_viewer_lag_ms = 1000, .max_skips_per_minute = 3});
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  int64_t ms = 40;
  uint64_t dropped_before = 0;
  for (int skip = 1; skip <= 3; ++skip) {
    ms = push_media(*stream, ms, 100, 10);
    auto r = read_now(ctx, sub);
    ASSERT_EQ(r->status, ReadStatus::frames) << "skip " << skip << " is allowed";
    EXPECT_GT(sub->frames_dropped(), dropped_before) << "skip " << skip;
    dropped_before = sub->frames_dropped();
  }
  ms = push_media(*stream, ms, 100, 10);
  auto r = read_now(ctx, sub);
  EXPECT_EQ(r->status, ReadStatus::too_slow) << "the 4th skip within a minute";
}

TEST(Stream, NoSkipsAllowedMeansTheFirstFallIsTooSlow) {
  asio::io_context ctx;
  auto stream = make_stream({.max_viewer_lag_ms = 1000, .max_skips_per_minute = 0});
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  push_media(*stream, 40, 100, 10);
  auto r = read_now(ctx, sub);
  EXPECT_EQ(r->status, ReadStatus::too_slow);
}

// A subscriber that skips over a codec change must not be left with the old
// configuration: the keyframe it lands on can only be decoded with the new one.
TEST(Stream, SkippingOverAConfigChangeDeliversTheNewConfigBeforeTheKeyframe) {
  asio::io_context ctx;
  auto stream = make_stream({.max_viewer_lag_ms = 1000});
  stream->push(video_config(0));
  stream->push(audio_config(0));
  stream->push(video(0, true));
  Viewer sub(ctx, stream->subscribe(ctx.get_executor()));
  auto first = sub.read_all();
  ASSERT_EQ(first.frames.size(), 3u);

  int64_t ms = push_media(*stream, 40, 50, 10);
  stream->push(video_config(ms));  // e.g. the encoder changed resolution
  push_media(*stream, ms, 100, 10);

  auto r = sub.read_all();
  ASSERT_GT(sub->frames_dropped(), 0u) << "the subscriber was moved forward";
  ASSERT_FALSE(r.frames.empty());
  std::optional<size_t> config_at, key_at;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const auto s = seen(r.frames[i]);
    if (s == Seen{What::video_config, ms} && !config_at) config_at = i;
    if (s.what == What::keyframe && !key_at) key_at = i;
  }
  ASSERT_TRUE(key_at);
  EXPECT_TRUE(config_at && *config_at < *key_at)
      << "BUG: after skipping to the keyframe at " << seen(r.frames[*key_at]).ms
      << " ms the subscriber never got the video config pushed at " << ms
      << " ms (it was in the skipped part of the ring); its decoder still has the old one";
}

TEST(Stream, SubscriberThatNeverReadsDoesNotKeepFramesAlive) {
  asio::io_context ctx;
  const size_t frame_bytes = make_frame(0, video(40, false, 1000), kChunkSize)->rtmp_bytes;
  const size_t ring_frames = 50;
  auto stream = make_stream({.max_ring_bytes = ring_frames * frame_bytes, .max_viewer_lag_ms = 1000});
  auto slow = stream->subscribe(ctx.get_executor());  // never reads until the end
  auto fast = stream->subscribe(ctx.get_executor());

  stream->push(video_config(0));
  stream->push(audio_config(0));
  std::vector<std::weak_ptr<const Frame>> all;
  size_t media_pushed = 0;
  for (int i = 0; i < 5000; ++i) {
    const int64_t ms = i * 40;
    stream->push(video(ms, i % 250 == 0, 1000));  // a 10 s GOP: longer than the ring holds
    stream->push(audio(ms + 20, 200));
    media_pushed += 2;
    auto r = read_now(ctx, fast);
    ASSERT_EQ(r->status, ReadStatus::frames);
    for (const auto& f : r->frames) all.push_back(f);
  }
  ASSERT_GT(all.size(), 9000u) << "the fast subscriber saw nearly everything";
  size_t alive = 0, alive_bytes = 0;
  for (const auto& w : all) {
    if (auto f = w.lock()) {
      ++alive;
      alive_bytes += f->rtmp_bytes;
    }
  }
  EXPECT_LE(alive_bytes, ring_frames * frame_bytes + 2 * 200)
      << alive << " frames are still held; the ring must not grow for a subscriber that does not read";

  // When the slow one finally reads it gets at most what fits the ring.
  auto r = read_until_waiting(ctx, slow);
  size_t media = 0, bytes = 0;
  for (const auto& f : r.frames) {
    if (!f->packet.config) ++media;
    bytes += f->rtmp_bytes;
  }
  EXPECT_LE(bytes, ring_frames * frame_bytes + 2 * 200);
  EXPECT_GE(slow->frames_dropped() + media, media_pushed) << "what it did not get is counted as dropped";
  finish(ctx, fast);
}

// ---- End, wake-ups, cancel ------------------------------------------------------

TEST(Stream, EndLetsReadersDrainThenSaysEnded) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(video_config(0));
  stream->push(video(0, true));
  auto sub = stream->subscribe(ctx.get_executor());
  stream->push(video(40, false));
  stream->end();
  EXPECT_TRUE(stream->ended());
  stream->push(video(80, false));  // after the end: dropped

  auto r = read_now(ctx, sub);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames),
            (std::vector<Seen>{{What::video_config, 0}, {What::keyframe, 0}, {What::frame, 40}}));
  auto last = read_now(ctx, sub);
  EXPECT_EQ(last->status, ReadStatus::ended);
  EXPECT_TRUE(last->frames.empty());
  auto again = read_now(ctx, sub);
  EXPECT_EQ(again->status, ReadStatus::ended);
}

TEST(Stream, EndWakesAWaitingRead) {
  asio::io_context ctx;
  auto stream = make_stream();
  auto sub = stream->subscribe(ctx.get_executor());
  auto r = read_now(ctx, sub);
  ASSERT_FALSE(r->status);
  stream->end();
  poll(ctx);
  EXPECT_EQ(r->status, ReadStatus::ended);
}

TEST(Stream, WaitingReadIsWokenByAPushOnTheSameContext) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->push(audio_config(0));
  auto sub = stream->subscribe(ctx.get_executor());
  auto first = read_now(ctx, sub);
  ASSERT_EQ(first->status, ReadStatus::frames);
  auto r = read_now(ctx, sub);
  ASSERT_FALSE(r->status) << "waits while there is nothing";
  poll(ctx);
  ASSERT_FALSE(r->status) << "still waits: nothing was pushed";
  stream->push(audio(23));
  poll(ctx);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::audio, 23}}));
}

TEST(Stream, CancelEndsAPendingRead) {
  asio::io_context ctx;
  auto stream = make_stream();
  auto sub = stream->subscribe(ctx.get_executor());
  auto r = read_now(ctx, sub);
  ASSERT_FALSE(r->status);
  sub->cancel();
  poll(ctx);
  EXPECT_EQ(r->status, ReadStatus::cancelled);
  stream->push(audio(0));
  auto after = read_now(ctx, sub);
  EXPECT_EQ(after->status, ReadStatus::cancelled) << "a cancelled subscription stays cancelled";
}

TEST(Stream, ViewerCountFollowsSubscriptions) {
  asio::io_context ctx;
  auto stream = make_stream();
  {
    auto a = stream->subscribe(ctx.get_executor());
    auto b = stream->subscribe(ctx.get_executor());
    EXPECT_EQ(stream->counters().viewers.load(), 2u);
    auto r = read_now(ctx, a);
    EXPECT_FALSE(r->status) << "parked";
    finish(ctx, a);
  }
  EXPECT_EQ(stream->counters().viewers.load(), 0u);
  EXPECT_EQ(stream->counters().viewers_total.load(), 2u);
  stream->push(audio(0));  // no subscriber left to wake: must not touch a dead one
  EXPECT_EQ(stream->counters().packets_in.load(), 1u);
}

// A subscriber on its own io_context thread; the publisher on the test thread.
struct ContextThread {
  asio::io_context ctx;
  asio::executor_work_guard<asio::io_context::executor_type> guard{ctx.get_executor()};
  std::thread thread{[this] { ctx.run(); }};
  ~ContextThread() {
    guard.reset();
    ctx.stop();
    thread.join();
  }
};

TEST(Stream, WaitingReadIsWokenByAPushFromAnotherThread) {
  auto stream = make_stream();
  ContextThread viewer;
  auto sub = stream->subscribe(viewer.ctx.get_executor());
  std::promise<std::pair<ReadStatus, std::vector<Seen>>> done;
  auto result = done.get_future();
  asio::co_spawn(
      viewer.ctx,
      [](std::shared_ptr<Subscription> sub, std::promise<std::pair<ReadStatus, std::vector<Seen>>>& done)
          -> asio::awaitable<void> {
        std::vector<FramePtr> out;
        const auto status = co_await sub->read(out);
        done.set_value({status, seen(out)});
      }(sub, done),
      asio::detached);
  ASSERT_EQ(result.wait_for(100ms), std::future_status::timeout) << "nothing to read yet";
  stream->push(audio(42));
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready) << "the push from this thread woke the viewer's";
  const auto [status, frames] = result.get();
  EXPECT_EQ(status, ReadStatus::frames);
  EXPECT_EQ(frames, (std::vector<Seen>{{What::audio, 42}}));
}

TEST(Stream, ViewerOnAnotherThreadGetsEveryPacketInOrder) {
  // No limit can bite: this is about wake-ups racing pushes, not the slow-viewer policy.
  constexpr int kPackets = 20000;
  for (int viewer_round = 0; viewer_round < 3; ++viewer_round) {
    auto s = make_stream({.max_viewer_lag_ms = int64_t(1) << 40, .max_batch_frames = 16});
    ContextThread viewer;
    auto sub = s->subscribe(viewer.ctx.get_executor());
    std::promise<std::pair<ReadStatus, std::vector<uint64_t>>> done;
    auto result = done.get_future();
    asio::co_spawn(
        viewer.ctx,
        [](std::shared_ptr<Subscription> sub,
           std::promise<std::pair<ReadStatus, std::vector<uint64_t>>>& done) -> asio::awaitable<void> {
          std::vector<uint64_t> seqs;
          std::vector<FramePtr> out;
          for (;;) {
            const auto status = co_await sub->read(out);
            for (const auto& f : out) seqs.push_back(f->seq);
            if (status != ReadStatus::frames) {
              done.set_value({status, std::move(seqs)});
              co_return;
            }
          }
        }(sub, done),
        asio::detached);
    for (int i = 0; i < kPackets; ++i) {
      s->push(audio(i));
      if (i % 1000 == viewer_round * 300) std::this_thread::sleep_for(1ms);  // let the viewer park
    }
    s->end();
    ASSERT_EQ(result.wait_for(30s), std::future_status::ready) << "the viewer was never woken for the end";
    const auto [status, seqs] = result.get();
    EXPECT_EQ(status, ReadStatus::ended);
    ASSERT_EQ(seqs.size(), size_t(kPackets));
    for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i);
    EXPECT_EQ(sub->frames_dropped(), 0u);
  }
}

// ---- Write batching ---------------------------------------------------------------

// Runs `ctx` until the read finishes or `limit` passes.
void run_until_done(asio::io_context& ctx, const PendingRead& r, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!r.status && std::chrono::steady_clock::now() < deadline) {
    ctx.restart();
    ctx.run_for(5ms);
  }
}

// A stream with video, batching on, and a viewer that has read the start and waits.
struct Batched {
  asio::io_context ctx;
  std::shared_ptr<Stream> stream = make_stream();
  std::shared_ptr<Subscription> sub;

  explicit Batched(std::chrono::milliseconds max_delay) {
    stream->enable_write_batching(ctx.get_executor(), max_delay);
    stream->push(video_config(0));
    stream->push(audio_config(0));
    stream->push(video(0, true));
    sub = stream->subscribe(ctx.get_executor());
    auto first = read_now(ctx, sub);
    EXPECT_EQ(first->status, ReadStatus::frames);
  }
  ~Batched() { finish(ctx, sub); }
};

TEST(StreamBatching, AudioAloneDoesNotWakeAViewerTheNextVideoFrameTakesItAlong) {
  Batched b(10s);
  auto r = read_now(b.ctx, b.sub);
  ASSERT_FALSE(r->status);
  b.stream->push(audio(20));
  poll(b.ctx);
  EXPECT_FALSE(r->status) << "audio is held for the next video frame";
  b.stream->push(video(40, false));
  poll(b.ctx);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::audio, 20}, {What::frame, 40}})) << "one write for both";
}

TEST(StreamBatching, HeldAudioGoesOutAfterMaxDelayWithoutVideo) {
  Batched b(30ms);
  auto r = read_now(b.ctx, b.sub);
  ASSERT_FALSE(r->status);
  const auto pushed = std::chrono::steady_clock::now();
  b.stream->push(audio(20));
  poll(b.ctx);
  EXPECT_FALSE(r->status);
  run_until_done(b.ctx, *r);
  ASSERT_EQ(r->status, ReadStatus::frames) << "the hold ends after max_delay";
  EXPECT_GE(std::chrono::steady_clock::now() - pushed, 29ms);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::audio, 20}}));
}

TEST(StreamBatching, VideoAndConfigAreNeverHeld) {
  Batched b(10s);
  auto r = read_now(b.ctx, b.sub);
  b.stream->push(video(40, false));
  poll(b.ctx);
  ASSERT_EQ(r->status, ReadStatus::frames);

  auto c = read_now(b.ctx, b.sub);
  b.stream->push(audio_config(50));
  poll(b.ctx);
  EXPECT_EQ(c->status, ReadStatus::frames) << "an audio config is not held";
}

TEST(StreamBatching, AudioOnlyStreamIsNotHeld) {
  asio::io_context ctx;
  auto stream = make_stream();
  stream->enable_write_batching(ctx.get_executor(), 10s);
  auto sub = stream->subscribe(ctx.get_executor());
  auto r = read_now(ctx, sub);
  stream->push(audio(0));
  poll(ctx);
  EXPECT_EQ(r->status, ReadStatus::frames) << "no video will come to take it along";
  finish(ctx, sub);
}

TEST(StreamBatching, AHoldArmedRightAfterAVideoFrameIsNotLost) {
  Batched b(30ms);
  auto r = read_now(b.ctx, b.sub);
  b.stream->push(audio(20));  // arms the hold
  b.stream->push(video(40, false));  // sends it, cancels the hold
  b.stream->push(audio(60));  // arms a new hold while the cancelled one is still queued
  poll(b.ctx);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::audio, 20}, {What::frame, 40}, {What::audio, 60}}));

  auto next = read_now(b.ctx, b.sub);
  b.stream->push(audio(80));
  poll(b.ctx);
  EXPECT_FALSE(next->status) << "held";
  run_until_done(b.ctx, *next);
  ASSERT_EQ(next->status, ReadStatus::frames) << "the new hold still ends after max_delay";
  EXPECT_EQ(seen(next->frames), (std::vector<Seen>{{What::audio, 80}}));
}

TEST(StreamBatching, EndWakesAViewerWaitingOnHeldAudio) {
  Batched b(10s);
  auto r = read_now(b.ctx, b.sub);
  b.stream->push(audio(20));
  poll(b.ctx);
  ASSERT_FALSE(r->status);
  b.stream->end();
  poll(b.ctx);
  ASSERT_EQ(r->status, ReadStatus::frames);
  EXPECT_EQ(seen(r->frames), (std::vector<Seen>{{What::audio, 20}}));
  auto last = read_now(b.ctx, b.sub);
  EXPECT_EQ(last->status, ReadStatus::ended);
}

// ---- Wire forms -----------------------------------------------------------------

std::vector<uint8_t> concat(const std::vector<Buffer>& pieces) {
  std::vector<uint8_t> out;
  for (const auto& p : pieces) out.insert(out.end(), p.span().begin(), p.span().end());
  return out;
}

bool refers_to(const std::vector<Buffer>& pieces, const Buffer& payload) {
  for (const auto& p : pieces)
    if (p.data() == payload.data() && p.size() == payload.size()) return true;
  return false;
}

void expect_same_packet(const MediaPacket& got, const MediaPacket& want, const std::string& what) {
  EXPECT_EQ(got.kind, want.kind) << what;
  EXPECT_EQ(got.codec, want.codec) << what;
  EXPECT_EQ(got.dts, want.dts) << what;
  EXPECT_EQ(got.pts, want.pts) << what;
  EXPECT_EQ(got.keyframe, want.keyframe) << what;
  EXPECT_EQ(got.config, want.config) << what;
  EXPECT_EQ(std::vector<uint8_t>(got.payload.span().begin(), got.payload.span().end()),
            std::vector<uint8_t>(want.payload.span().begin(), want.payload.span().end()))
      << what;
}

std::vector<MediaPacket> wire_form_packets() {
  return {video_config(0), video(0, true, 100), video(40, false, 70000), audio_config(0), audio(23, 300),
          metadata(0), video(0x1000000 + 40, true, 200) /* extended timestamp */};
}

TEST(Frame, RtmpFormParsesBackAsTheSameMessage) {
  for (uint32_t chunk_size : {128u, 4096u, 60000u}) {
    uint64_t seq = 0;
    for (const MediaPacket& p : wire_form_packets()) {
      const std::string what = fmt::format("{} at {} ms, chunk size {}", to_string(p.kind), ticks_to_ms(p.dts),
                                           chunk_size);
      FramePtr f = make_frame(seq++, p, chunk_size);
      EXPECT_EQ(f->rtmp_bytes, concat(f->rtmp).size()) << what;
      EXPECT_TRUE(p.payload.empty() || refers_to(f->rtmp, p.payload) || p.payload.size() > chunk_size)
          << what << ": the payload is referenced, not copied";

      rtmp::ChunkReader reader;
      std::vector<uint8_t> scs_body(4), scs;
      store_u32be(scs_body.data(), chunk_size);
      rtmp::write_chunks({.chunk_stream = 2, .timestamp = 0, .type = 1, .stream_id = 0}, scs_body, 128, scs);
      reader.feed(scs);
      reader.feed(concat(f->rtmp));
      auto first = reader.next();
      ASSERT_TRUE(first && *first) << what;
      auto m = reader.next();
      ASSERT_TRUE(m) << what << ": " << m.error().message();
      ASSERT_TRUE(*m) << what << ": incomplete";
      EXPECT_EQ(reader.buffered(), 0u) << what;
      const auto& msg = **m;
      EXPECT_EQ(msg.header.type, flv::tag_type(p.kind)) << what;
      EXPECT_EQ(msg.header.stream_id, 1u) << what;
      EXPECT_EQ(msg.header.timestamp, uint32_t(ticks_to_ms(p.dts))) << what;
      EXPECT_EQ(msg.header.chunk_stream, p.kind == TrackKind::video   ? rtmp::kVideoChunkStream
                                         : p.kind == TrackKind::audio ? rtmp::kAudioChunkStream
                                                                      : rtmp::kDataChunkStream)
          << what;
      auto back = flv::body_to_packet(msg.header.type, msg.header.timestamp, msg.payload);
      ASSERT_TRUE(back) << what << ": " << back.error().message();
      expect_same_packet(*back, p, what);
    }
  }
}

TEST(Frame, FlvFormIsOneHttpChunkHoldingATagThatParsesBack) {
  uint64_t seq = 0;
  for (const MediaPacket& p : wire_form_packets()) {
    const std::string what = fmt::format("{} at {} ms", to_string(p.kind), ticks_to_ms(p.dts));
    FramePtr f = make_frame(seq++, p, kChunkSize);
    const auto wire = concat(f->flv);
    EXPECT_EQ(f->flv_bytes, wire.size()) << what;
    EXPECT_TRUE(refers_to(f->flv, p.payload)) << what << ": the payload is referenced, not copied";

    // RFC 9112 7.1: "<hex size>\r\n" <size bytes> "\r\n".
    const std::string text(wire.begin(), wire.end());
    const auto crlf = text.find("\r\n");
    ASSERT_NE(crlf, std::string::npos) << what;
    const size_t size = std::stoul(text.substr(0, crlf), nullptr, 16);
    ASSERT_EQ(crlf + 2 + size + 2, wire.size()) << what << ": the size line counts the tag and PreviousTagSize";
    EXPECT_EQ(text.substr(wire.size() - 2), "\r\n") << what;
    const std::vector<uint8_t> tag_bytes(wire.begin() + long(crlf + 2), wire.end() - 2);

    std::vector<uint8_t> file;
    flv::write_file_header(true, true, file);
    file.insert(file.end(), tag_bytes.begin(), tag_bytes.end());
    flv::FlvReader reader;
    std::vector<flv::Tag> tags;
    auto ok = reader.feed(file, tags);
    ASSERT_TRUE(ok) << what << ": " << ok.error().message();
    ASSERT_EQ(tags.size(), 1u) << what;
    EXPECT_TRUE(reader.at_boundary()) << what << ": PreviousTagSize matches";
    EXPECT_EQ(tags[0].type, flv::tag_type(p.kind)) << what;
    EXPECT_EQ(tags[0].timestamp_ms, uint32_t(ticks_to_ms(p.dts))) << what;
    auto back = flv::body_to_packet(tags[0].type, tags[0].timestamp_ms, tags[0].body);
    ASSERT_TRUE(back) << what << ": " << back.error().message();
    expect_same_packet(*back, p, what);
  }
}

TEST(Frame, StreamFramesAreBuiltOnceAndSharedByEveryViewer) {
  asio::io_context ctx;
  auto stream = make_stream();
  auto a = stream->subscribe(ctx.get_executor());
  auto b = stream->subscribe(ctx.get_executor());
  const MediaPacket p = video(0, true, 5000);
  const uint8_t* payload = p.payload.data();
  stream->push(p);
  auto ra = read_now(ctx, a);
  auto rb = read_now(ctx, b);
  ASSERT_EQ(ra->status, ReadStatus::frames);
  ASSERT_EQ(rb->status, ReadStatus::frames);
  ASSERT_EQ(ra->frames.size(), 1u);
  EXPECT_EQ(ra->frames[0].get(), rb->frames[0].get()) << "one Frame for all viewers";
  EXPECT_EQ(ra->frames[0]->packet.payload.data(), payload) << "push does not copy the payload";
  EXPECT_EQ(ra->frames[0]->seq, 0u);
  EXPECT_EQ(stream->counters().packets_in.load(), 1u);
  EXPECT_EQ(stream->counters().bytes_in.load(), 5000u);
  finish(ctx, a);
  finish(ctx, b);
}

// ---- StreamRegistry -------------------------------------------------------------

TEST(StreamRegistry, SecondPublisherIsRefusedNamingTheFirst) {
  StreamRegistry reg({}, kChunkSize, 10);
  auto first = reg.publish("live/cam", {"rtmp", "10.0.0.1:4000"}, false);
  ASSERT_TRUE(first) << first.error().message();
  auto second = reg.publish("live/cam", {"rtmp", "10.0.0.2:5000"}, false);
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(Errc::refused)) << second.error().message();
  EXPECT_NE(second.error().message().find("live/cam"), std::string::npos) << second.error().message();
  EXPECT_NE(second.error().message().find("10.0.0.1:4000"), std::string::npos)
      << "names the current publisher: " << second.error().message();
  EXPECT_FALSE((*first)->ended());
  EXPECT_EQ(reg.find("live/cam"), *first);
}

TEST(StreamRegistry, TakeoverEndsTheOldStreamAndItsViewers) {
  asio::io_context ctx;
  StreamRegistry reg({}, kChunkSize, 10);
  auto old_stream = *reg.publish("live/cam", {"rtmp", "10.0.0.1:4000"}, false);
  auto viewer = old_stream->subscribe(ctx.get_executor());
  auto pending = read_now(ctx, viewer);
  ASSERT_FALSE(pending->status);

  auto fresh = reg.publish("live/cam", {"rtmp", "10.0.0.2:5000"}, true);
  ASSERT_TRUE(fresh) << fresh.error().message();
  EXPECT_NE(*fresh, old_stream);
  EXPECT_TRUE(old_stream->ended());
  EXPECT_FALSE((*fresh)->ended());
  EXPECT_EQ(reg.find("live/cam"), *fresh);
  EXPECT_EQ((*fresh)->publisher().address, "10.0.0.2:5000");
  poll(ctx);
  EXPECT_EQ(pending->status, ReadStatus::ended) << "the old stream's viewers finish";
}

TEST(StreamRegistry, UnpublishOfAReplacedStreamLeavesTheNewOne) {
  StreamRegistry reg({}, kChunkSize, 10);
  auto old_stream = *reg.publish("live/cam", {"rtmp", "a"}, false);
  auto fresh = *reg.publish("live/cam", {"rtmp", "b"}, true);
  reg.unpublish(old_stream);  // the old session notices late and cleans up
  EXPECT_EQ(reg.find("live/cam"), fresh);
  EXPECT_FALSE(fresh->ended());
  reg.unpublish(fresh);
  EXPECT_EQ(reg.find("live/cam"), nullptr);
  EXPECT_TRUE(fresh->ended());
}

TEST(StreamRegistry, UnpublishFreesTheName) {
  StreamRegistry reg({}, kChunkSize, 10);
  auto s = *reg.publish("live/cam", {"rtmp", "a"}, false);
  reg.unpublish(s);
  EXPECT_TRUE(s->ended());
  auto again = reg.publish("live/cam", {"rtmp", "b"}, false);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_NE(*again, s) << "a new publish is a new Stream";
}

TEST(StreamRegistry, MaxStreamsIsEnforced) {
  StreamRegistry reg({}, kChunkSize, 2);
  auto a = reg.publish("live/a", {"rtmp", "1"}, false);
  auto b = reg.publish("live/b", {"rtmp", "2"}, false);
  ASSERT_TRUE(a && b);
  auto c = reg.publish("live/c", {"rtmp", "3"}, false);
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(Errc::too_large)) << c.error().message();
  EXPECT_NE(c.error().message().find('2'), std::string::npos) << c.error().message();

  auto b2 = reg.publish("live/b", {"rtmp", "4"}, true);
  EXPECT_TRUE(b2) << "a takeover does not add a stream";
  reg.unpublish(*a);
  EXPECT_TRUE(reg.publish("live/c", {"rtmp", "5"}, false)) << "room again after an unpublish";
  EXPECT_EQ(reg.list().size(), 2u);
}

TEST(StreamRegistry, ListAndFind) {
  StreamRegistry reg({}, kChunkSize, 10);
  EXPECT_TRUE(reg.list().empty());
  EXPECT_EQ(reg.find("live/x"), nullptr);
  auto a = *reg.publish("live/a", {"rtmp", "1"}, false);
  auto b = *reg.publish("other/b", {"rtmp", "2"}, false);
  auto all = reg.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE((all[0] == a && all[1] == b) || (all[0] == b && all[1] == a));
  EXPECT_EQ(reg.find("other/b")->key(), "other/b");
}

}  // namespace
}  // namespace relaycast

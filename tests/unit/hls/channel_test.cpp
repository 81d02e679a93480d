// hls::Channel: what the HTTP routes ask of a stream's packager. Whether a blocking
// playlist reload may be answered (ready), must wait (pending), is too far ahead to
// wait for (too_far, 400) or will never be (gone); the files of the stream folder by
// name, including names that are not ours; and the wake-ups of blocked clients.
#include "hls/channel.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include <boost/asio/io_context.hpp>

#include "hls/playlist.hpp"
#include "hls_test_support.hpp"

namespace relaycast {
namespace {

using hls::Availability;
using test::options_ms;
using test::synth;

constexpr const char* kEpoch = "1234abcd";

std::string name(Availability a) {
  switch (a) {
    case Availability::ready: return "ready";
    case Availability::pending: return "pending";
    case Availability::too_far: return "too_far";
    case Availability::gone: return "gone";
  }
  return "?";
}

// A channel fed `ms` of 30 fps A/V with a keyframe a second, in 2 s segments.
class HlsChannel : public ::testing::Test {
protected:
  void feed(int64_t from_ms, int64_t to_ms) {
    for (const auto& p : synth({.fps = 30, .gop = 30, .start_ms = from_ms, .duration_ms = to_ms - from_ms,
                                .configs = from_ms == 0}))
      channel.push(p);
  }
  // The newest segment of the LL playlist and how many parts it has listed.
  std::pair<uint64_t, size_t> newest() {
    const auto text = channel.playlist(hls::PlaylistKind::ll);
    const auto p = test::check_m3u8(text, test::M3u8Kind::ll);
    EXPECT_TRUE(p.errors.empty()) << p.error_text() << text;
    if (p.segments.empty()) return {0, 0};
    return {p.segments.back().msn, p.segments.back().parts.size()};
  }
  std::string ready(uint64_t msn, std::optional<uint32_t> part) { return name(channel.playlist_ready(msn, part)); }
  std::string file(const std::string& f) { return name(channel.file(f).availability); }
  std::string file_e(const std::string& rest) { return file(std::string(kEpoch) + "-" + rest); }

  hls::Channel channel{"live/cam", options_ms(2000, 334, 6), kEpoch};
};

TEST_F(HlsChannel, KeyAndEpoch) {
  EXPECT_EQ(channel.key(), "live/cam");
  EXPECT_EQ(channel.epoch(), kEpoch);
  EXPECT_FALSE(channel.live());
  EXPECT_EQ(channel.playlist(hls::PlaylistKind::ts), "");
  EXPECT_EQ(channel.playlist(hls::PlaylistKind::ll), "");
  EXPECT_EQ(file_e("0.ts"), "gone");
  EXPECT_EQ(file_e("0.0.m4s"), "gone") << "nothing is being made yet";
}

TEST_F(HlsChannel, BlockingReloadAvailability) {
  feed(0, 5000);
  EXPECT_TRUE(channel.live());
  const auto [msn, parts] = newest();
  ASSERT_EQ(msn, 2u) << "5 s in 2 s segments: 0 and 1 complete, 2 open";
  ASSERT_GE(parts, 1u);
  // There: complete segments, listed parts of the open one.
  EXPECT_EQ(ready(0, std::nullopt), "ready");
  EXPECT_EQ(ready(1, std::nullopt), "ready");
  EXPECT_EQ(ready(1, 2), "ready");
  EXPECT_EQ(ready(2, 0), "ready");
  EXPECT_EQ(ready(2, uint32_t(parts - 1)), "ready");
  // Soon: the next part, the open segment as a whole, the next segments' first parts.
  EXPECT_EQ(ready(2, uint32_t(parts)), "pending");
  EXPECT_EQ(ready(2, std::nullopt), "pending");
  EXPECT_EQ(ready(3, std::nullopt), "pending");
  EXPECT_EQ(ready(3, 0), "pending");
  EXPECT_EQ(ready(4, 0), "pending");
  // RFC 8216bis 6.2.5.2: more than two segments ahead: 400 at once.
  EXPECT_EQ(ready(5, std::nullopt), "too_far");
  EXPECT_EQ(ready(5, 0), "too_far");
  EXPECT_EQ(ready(1000000, 0), "too_far");
  EXPECT_EQ(ready(UINT64_MAX, 0), "too_far");
}

TEST_F(HlsChannel, BlockingReloadBeyondTheAdvancePartLimitIsRefused) {
  // RFC 8216bis 6.2.5.2: "if the _HLS_part exceeds the last Partial Segment in the
  // current Playlist by the Advance Part Limit, then the server SHOULD immediately
  // return Bad Request"; the limit is 3 / PART-TARGET (~9 parts at 0.334 s).
  feed(0, 5000);
  const auto [msn, parts] = newest();
  EXPECT_EQ(ready(msn, uint32_t(parts + 1)), "pending") << "one part ahead is worth waiting for";
  EXPECT_EQ(ready(msn, uint32_t(parts + 50)), "too_far")
      << "a request 50 parts ahead of the newest is held (up to block_timeout_ms, or until the segment "
         "completes, when it is answered with a playlist without that part) instead of refused at once";
  EXPECT_EQ(ready(msn, 4000000000u), "too_far");
}

TEST_F(HlsChannel, OldSegmentsAndEndedStreamsAnswerAtOnce) {
  feed(0, 30000);
  const auto [msn, parts] = newest();
  EXPECT_EQ(msn, 14u);
  EXPECT_EQ(ready(0, std::nullopt), "ready") << "long gone: answer with what there is";
  EXPECT_EQ(ready(0, 3), "ready");
  channel.end_of_stream();
  EXPECT_FALSE(channel.live());
  EXPECT_NE(channel.ended_at(), std::chrono::steady_clock::time_point{});
  // Nothing more will come: a blocked reload is answered now, with the last playlist.
  EXPECT_EQ(ready(msn, uint32_t(parts + 1)), "ready");
  EXPECT_EQ(ready(msn + 1, 0), "ready");
  EXPECT_EQ(ready(msn + 3, 0), "too_far");
}

TEST_F(HlsChannel, Files) {
  feed(0, 5000);
  const auto [msn, parts] = newest();
  ASSERT_EQ(msn, 2u);

  // The initialization segment: ftyp + moov.
  auto init = channel.file(std::string(kEpoch) + "-init1.mp4");
  ASSERT_EQ(name(init.availability), "ready");
  EXPECT_EQ(init.content_type, "video/mp4");
  ASSERT_EQ(init.bytes.size(), 1u);
  EXPECT_EQ(test::types_of(test::read_boxes(init.bytes[0].span())), (std::vector<std::string>{"ftyp", "moov"}));

  // Complete segments, both kinds.
  auto ts = channel.file(std::string(kEpoch) + "-0.ts");
  ASSERT_EQ(name(ts.availability), "ready");
  EXPECT_EQ(ts.content_type, "video/mp2t");
  size_t ts_size = 0;
  for (const auto& b : ts.bytes) ts_size += b.size();
  EXPECT_GT(ts_size, 0u);
  EXPECT_EQ(ts_size % 188, 0u);
  EXPECT_EQ(ts.bytes[0][0], 0x47);
  auto m4s = channel.file(std::string(kEpoch) + "-1.m4s");
  ASSERT_EQ(name(m4s.availability), "ready");
  EXPECT_EQ(m4s.content_type, "video/mp4");
  std::vector<uint8_t> whole;
  for (const auto& b : m4s.bytes) whole.insert(whole.end(), b.data(), b.data() + b.size());
  std::vector<std::string> errors;
  const auto runs = test::read_fragments(whole, errors);
  EXPECT_EQ(errors, std::vector<std::string>{});
  EXPECT_EQ(runs.size(), 2u) << "video and audio";
  // A part is one of the segment's buffers.
  auto part = channel.file(std::string(kEpoch) + "-1.0.m4s");
  ASSERT_EQ(name(part.availability), "ready");
  ASSERT_EQ(part.bytes.size(), 1u);
  EXPECT_EQ(part.bytes[0].data(), m4s.bytes[0].data()) << "parts are shared, not copied";

  // The open segment: its listed parts are there, the segment itself is not yet.
  EXPECT_EQ(file_e("2.ts"), "pending");
  EXPECT_EQ(file_e("2.m4s"), "pending");
  EXPECT_EQ(file_e("2.0.m4s"), "ready");
  EXPECT_EQ(file_e(fmt::format("2.{}.m4s", parts - 1)), "ready");
  EXPECT_EQ(file_e(fmt::format("2.{}.m4s", parts)), "pending") << "the hinted part";
  EXPECT_EQ(file_e(fmt::format("2.{}.m4s", parts + 1)), "gone") << "not hinted";
  EXPECT_EQ(file_e("3.0.m4s"), "pending") << "the first part of the next segment may be hinted next";
  EXPECT_EQ(file_e("3.1.m4s"), "gone");
  EXPECT_EQ(file_e("3.ts"), "gone");
  EXPECT_EQ(file_e("5.0.m4s"), "too_far");
  EXPECT_EQ(file_e("99999.0.m4s"), "too_far");
  EXPECT_EQ(file_e("1.99.m4s"), "gone") << "a complete segment gets no more parts";
}

TEST_F(HlsChannel, NamesThatAreNotOurs) {
  feed(0, 5000);
  for (const std::string& bad : {
           std::string("deadbeef-0.ts"), std::string(kEpoch), std::string(kEpoch) + "-", std::string(kEpoch) + "0.ts",
           std::string(kEpoch) + "_0.ts", std::string(kEpoch) + "-0", std::string(kEpoch) + "-0.",
           std::string(kEpoch) + "-0.ts.ts", std::string(kEpoch) + "-0.mp4", std::string(kEpoch) + "-0.TS",
           std::string(kEpoch) + "--1.ts", std::string(kEpoch) + "-+0.ts", std::string(kEpoch) + "- 0.ts",
           std::string(kEpoch) + "-0x0.ts",
           std::string(kEpoch) + "-99999999999999999999999.ts", std::string(kEpoch) + "-18446744073709551616.0.m4s",
           std::string(kEpoch) + "-0..m4s", std::string(kEpoch) + "-0.0.ts", std::string(kEpoch) + "-2.0.0.m4s",
           std::string(kEpoch) + "-2.-1.m4s",
           std::string(kEpoch) + "-init.mp4", std::string(kEpoch) + "-init0.mp4", std::string(kEpoch) + "-init2.mp4",
           std::string(kEpoch) + "-init1.mp4.mp4", std::string(kEpoch) + "-init-1.mp4",
           std::string(kEpoch) + "-initmp4",
           std::string(kEpoch) + std::string("-0.ts\0", 6), std::string(kEpoch) + "-../0.ts", std::string("../") + kEpoch + "-0.ts",
           std::string("index.m3u8"), std::string("ll.m3u8"), std::string(""), std::string("-0.ts")}) {
    const auto found = channel.file(bad);
    EXPECT_EQ(name(found.availability), "gone") << "'" << bad << "'";
    EXPECT_TRUE(found.bytes.empty()) << "'" << bad << "'";
  }
}

TEST_F(HlsChannel, NumbersPast32BitsAreNotTruncated) {
  feed(0, 5000);
  // 2^32 + 1 must not be taken for init segment 1.
  EXPECT_EQ(file_e("init4294967297.mp4"), "gone") << "the init version is truncated to 32 bits";
  // 2^32 must not be taken for part 0 of segment 2 (which is there) and then used as
  // the index of a part: an out-of-bounds read that crashes the server, or serves
  // whatever memory follows, for anyone who asks for <epoch>-2.4294967296.m4s. In a
  // child process, so that a crash fails this test only.
  EXPECT_EXIT(
      {
        const auto found = channel.file(std::string(kEpoch) + "-2.4294967296.m4s");
        std::exit(found.availability == Availability::gone && found.bytes.empty() ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "")
      << "GET <epoch>-2.4294967296.m4s: the part number is cut to 32 bits (0) to decide that the part is "
         "ready, then used whole (4294967296) to index the segment's parts";
  EXPECT_EQ(name(channel.playlist_ready(2, std::nullopt)), "pending");
}

TEST_F(HlsChannel, FilesLeaveWithTheWindowAndHintsEndWithTheStream) {
  feed(0, 30000);
  const auto [msn, parts] = newest();
  EXPECT_EQ(file_e("0.ts"), "gone") << "segment 0 left the window long ago";
  EXPECT_EQ(file_e("0.0.m4s"), "gone");
  EXPECT_EQ(file_e(fmt::format("{}.ts", msn - 1)), "ready");
  EXPECT_EQ(file_e(fmt::format("{}.{}.m4s", msn, parts)), "pending");
  channel.end_of_stream();
  EXPECT_EQ(file_e(fmt::format("{}.ts", msn)), "ready") << "the open segment is closed at the end";
  EXPECT_EQ(file_e(fmt::format("{}.{}.m4s", msn, parts)), "ready") << "the end closes the hinted part too";
  EXPECT_EQ(file_e(fmt::format("{}.{}.m4s", msn, parts + 1)), "gone") << "no publisher: no more parts";
  EXPECT_EQ(file_e(fmt::format("{}.0.m4s", msn + 1)), "gone");
  EXPECT_EQ(file_e(fmt::format("{}.ts", msn + 1)), "gone");
  const auto text = channel.playlist(hls::PlaylistKind::ll);
  EXPECT_EQ(text.find("PRELOAD-HINT"), std::string::npos) << text;
}

TEST_F(HlsChannel, PlaylistsUseTheEpoch) {
  feed(0, 9000);
  for (auto kind : {hls::PlaylistKind::ts, hls::PlaylistKind::ll}) {
    const auto text = channel.playlist(kind);
    const auto p = test::check_m3u8(text, kind == hls::PlaylistKind::ts ? test::M3u8Kind::ts : test::M3u8Kind::ll);
    EXPECT_TRUE(p.errors.empty()) << p.error_text() << text;
    EXPECT_EQ(p.epoch, kEpoch) << text;
    for (const auto& s : p.segments) {
      if (s.complete) {
        EXPECT_EQ(file(s.uri), "ready") << s.uri;
      }
      for (const auto& part : s.parts) EXPECT_EQ(file(part.uri), "ready") << part.uri;
      if (!s.map.empty()) {
        EXPECT_EQ(file(s.map), "ready") << s.map;
      }
    }
    if (!p.preload_hint.empty()) {
      EXPECT_EQ(file(p.preload_hint), "pending") << p.preload_hint;
    }
  }
}

TEST_F(HlsChannel, WaitersWakeOnANewPartAndAtTheEnd) {
  boost::asio::io_context io;
  feed(0, 3000);
  auto waiter = std::make_shared<StreamWaiter>(io.get_executor());
  channel.wait(waiter);
  EXPECT_TRUE(waiter->registered);
  // A packet that makes no part wakes no one: an audio frame (audio never cuts parts
  // while there is video).
  channel.push(test::with_time(*test::ffmpeg_publish().aac, 3001));
  io.poll();
  io.restart();
  EXPECT_FALSE(waiter->notified) << "woken although nothing new can be served";
  // Frames until the next part is made.
  const auto [msn, parts] = newest();
  for (int64_t ms = 3000; newest() == std::pair{msn, parts}; ms += 33) {
    ASSERT_LT(ms, 5000) << "no part in two seconds";
    channel.push(test::with_time(*test::ffmpeg_publish().delta, ms));
  }
  io.poll();
  io.restart();
  EXPECT_TRUE(waiter->notified) << "not woken by a new part";
  EXPECT_FALSE(waiter->registered);

  waiter->notified = false;
  channel.wait(waiter);
  channel.end_of_stream();
  io.poll();
  EXPECT_TRUE(waiter->notified) << "not woken at the end of the stream";

  auto forgotten = std::make_shared<StreamWaiter>(io.get_executor());
  channel.wait(forgotten);
  channel.forget(forgotten);
  EXPECT_FALSE(forgotten->registered);
}

}  // namespace
}  // namespace relaycast

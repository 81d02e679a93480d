// MPEG-TS as an SRT publisher sends it (or a lossy link garbles it), in any slices,
// through the demuxer; whatever comes out must be what the rest of the server can
// carry: video configs that parse, AVCC frames whose lengths add up, and packets the
// TS muxer (the SRT play path) takes without trouble.
#include <vector>

#include "format/mpegts_demuxer.hpp"
#include "format/mpegts_muxer.hpp"
#include "format/mpegts_pid_writer.hpp"
#include "fuzz_support.hpp"
#include "media/h264.hpp"
#include "media/hevc_config_record.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  mpegts::TsDemuxer demuxer;
  std::vector<MediaPacket> packets;
  fuzz::for_each_slice(input, uint32_t(size), 1400, [&](std::span<const uint8_t> slice) { demuxer.feed(slice, packets); });
  demuxer.finish(packets);
  const auto& stats = demuxer.stats();
  FUZZ_CHECK(stats.packets <= size / mpegts::kPacketSize);
  FUZZ_CHECK(stats.packets_out == packets.size());
  FUZZ_CHECK(demuxer.take_problems().size() <= mpegts::TsDemuxer::kMaxProblems);

  // The SRT play path: a muxer for each video codec the demuxer carries.
  mpegts::TsMuxer avc_muxer({});
  mpegts::TsMuxer hevc_muxer({.video_codec = Codec::hevc});
  std::vector<uint8_t> ts;
  for (const auto& p : packets) {
    FUZZ_CHECK(p.codec == Codec::h264 || p.codec == Codec::hevc || p.codec == Codec::aac);
    FUZZ_CHECK(p.payload.size() <= size + 4 * (size / 3 + 1));
    if (p.kind == TrackKind::video && p.config && p.codec == Codec::h264)
      FUZZ_CHECK(h264::parse_avc_decoder_config(p.payload.span()).has_value());
    if (p.kind == TrackKind::video && p.config && p.codec == Codec::hevc) {
      auto record = hevc::parse_hevc_decoder_config(p.payload.span());
      FUZZ_CHECK(record.has_value() && record->sps.size() == 1);
      FUZZ_CHECK(hevc::parse_sps(record->sps.front()).has_value());
    }
    if (p.kind == TrackKind::video && !p.config) {
      FUZZ_CHECK(!p.payload.empty());
      FUZZ_CHECK(h264::check_avcc(p.payload.span(), 4).has_value());
      FUZZ_CHECK(p.pts >= p.dts - mpegts::TsTimeline::kWrap && p.pts <= p.dts + mpegts::TsTimeline::kWrap);
    }
    if (p.kind != TrackKind::video || p.codec == Codec::h264) (void)avc_muxer.write_packet(p, ts);
    if (p.kind != TrackKind::video || p.codec == Codec::hevc) (void)hevc_muxer.write_packet(p, ts);
  }
  FUZZ_CHECK(ts.size() % mpegts::kPacketSize == 0);
  return 0;
}

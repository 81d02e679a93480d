// H.264 parsing of what a publisher sends: SPS NAL units, AVCDecoderConfigurationRecords
// (the FLV sequence header, the avcC box) and length-prefixed frames, plus the Annex B
// conversion MPEG-TS output makes of them.
#include <vector>

#include "format/annexb.hpp"
#include "fuzz_support.hpp"
#include "media/h264.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);

  const auto rbsp = h264::remove_emulation_prevention(input);
  FUZZ_CHECK(rbsp.size() <= size);
  if (auto sps = h264::parse_sps(input)) {
    (void)h264::describe(*sps);
    (void)h264::codec_string(*sps);
    (void)sps->frame_rate();
    FUZZ_CHECK(sps->chroma_format_idc <= 3);
  }

  auto config = h264::parse_avc_decoder_config(input);
  if (config) {
    FUZZ_CHECK(config->nalu_length_size >= 1 && config->nalu_length_size <= 4);
    size_t sets = 0;
    for (const auto& s : config->sps) sets += s.size();
    for (const auto& p : config->pps) sets += p.size();
    FUZZ_CHECK(sets <= size);
    for (const auto& s : config->sps) (void)h264::parse_sps(s);
  }

  // The input as a frame of the recorded stream's config, and of its own if it has one.
  static const auto recorded = h264::parse_avc_decoder_config(fuzz::kAvcConfig);
  FUZZ_CHECK(recorded.has_value());
  for (int length_size = 1; length_size <= 4; ++length_size) {
    size_t nal_bytes = 0;
    auto walked = h264::for_each_nal(input, length_size, [&](std::span<const uint8_t> nal) {
      FUZZ_CHECK(!nal.empty());
      FUZZ_CHECK(nal.data() >= data && nal.data() + nal.size() <= data + size);
      nal_bytes += nal.size();
    });
    if (walked) FUZZ_CHECK(nal_bytes <= size);
  }
  const auto& frame_config = config ? *config : *recorded;
  std::vector<uint8_t> annexb;
  if (annexb::append_access_unit(input, frame_config, size % 2 == 0, annexb)) {
    // A start code per NAL unit at most adds 4 bytes per length prefix; parameter sets
    // and the delimiter come on top.
    size_t extra = 6;  // AUD with its start code
    for (const auto& s : frame_config.sps) extra += s.size() + 4;
    for (const auto& p : frame_config.pps) extra += p.size() + 4;
    FUZZ_CHECK(annexb.size() <= size + extra + size);
  }
  return 0;
}

// HEVC parsing of what a publisher sends: the HEVCDecoderConfigurationRecord of an
// Enhanced RTMP 'hvc1' sequence start, and SPS NAL units (in the record, or in band in
// an SRT publish); a record made again from what was parsed must parse the same.
#include <vector>

#include "fuzz_support.hpp"
#include "media/hevc.hpp"
#include "media/hevc_config_record.hpp"

using namespace relaycast;

namespace {

void check_sps(std::span<const uint8_t> nal) {
  auto sps = hevc::parse_sps(nal);
  if (!sps) return;
  FUZZ_CHECK(sps->chroma_format_idc <= 3);
  (void)hevc::describe(*sps);
  (void)hevc::codec_string(sps->ptl);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_sps(input);

  auto config = hevc::parse_hevc_decoder_config(input);
  if (!config) return 0;
  FUZZ_CHECK(config->nalu_length_size >= 1 && config->nalu_length_size <= 4);
  size_t sets = 0;
  for (const auto* list : {&config->vps, &config->sps, &config->pps})
    for (const auto& s : *list) sets += s.size();
  FUZZ_CHECK(sets <= size);
  (void)hevc::codec_string(config->ptl);
  for (const auto& s : config->sps) check_sps(s);

  // What an SRT publish does with in-band sets: make a record of the first of each.
  if (config->vps.empty() || config->sps.empty() || config->pps.empty()) return 0;
  auto made = hevc::make_hevc_decoder_config(config->vps[0], config->sps[0], config->pps[0]);
  if (!made) return 0;
  auto again = hevc::parse_hevc_decoder_config(*made);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->vps.at(0) == config->vps[0] && again->sps.at(0) == config->sps[0] &&
             again->pps.at(0) == config->pps[0]);
  FUZZ_CHECK(again->nalu_length_size == 4);
  return 0;
}

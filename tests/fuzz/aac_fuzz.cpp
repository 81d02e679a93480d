// AAC AudioSpecificConfig as a publisher sends it (FLV sequence header), then the ADTS
// header MPEG-TS output would put in front of every frame.
#include "fuzz_support.hpp"
#include "media/aac.hpp"

using namespace relaycast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = aac::parse_audio_specific_config({data, size});
  if (!config) return 0;
  (void)aac::describe(*config);
  (void)aac::codec_string(*config);
  FUZZ_CHECK(config->sampling_frequency_index <= 15);
  FUZZ_CHECK(config->channel_configuration <= 15);
  FUZZ_CHECK(config->sample_rate > 0 && config->output_sample_rate > 0);
  for (size_t frame : {size_t(0), size_t(1), size * 37, size_t(8184), size_t(8185), size_t(1) << 20}) {
    auto adts = aac::make_adts_header(*config, frame);
    if (!adts) continue;
    const auto& h = *adts;
    FUZZ_CHECK(h[0] == 0xff && (h[1] & 0xf0) == 0xf0);  // syncword
    const size_t frame_length = size_t(h[3] & 0x03) << 11 | size_t(h[4]) << 3 | h[5] >> 5;
    FUZZ_CHECK(frame_length == frame + 7);
  }
  return 0;
}

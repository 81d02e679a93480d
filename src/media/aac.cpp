#include "media/aac.hpp"

#include <fmt/format.h>

#include "media/bit_reader.hpp"

namespace relaycast::aac {
namespace {

constexpr uint8_t kExplicitRate = 15;  // the rate follows as 24 bits

std::unexpected<Error> reader_error(const BitReader& r) {
  if (r.error() == BitError::malformed) return fail(Errc::malformed, "AudioSpecificConfig: bad field width");
  return fail(Errc::truncated, "AudioSpecificConfig: ends inside the structure");
}

// 1.6.2.1 GetAudioObjectType(): 5 bits, 31 escapes to 32 + 6 more bits.
uint8_t read_object_type(BitReader& r) {
  const uint32_t type = r.u(5);
  return uint8_t(type == 31 ? 32 + r.u(6) : type);
}

// samplingFrequencyIndex, then the 24-bit samplingFrequency when it is 15. The index
// is returned through `index`, the rate in Hz as the result.
Result<uint32_t> read_sample_rate(BitReader& r, uint8_t& index) {
  index = uint8_t(r.u(4));
  if (index == kExplicitRate) {
    const uint32_t rate = r.u(24);
    if (rate == 0 && r.ok()) return fail(Errc::malformed, "AudioSpecificConfig: sampling frequency 0");
    return rate;
  }
  if (index >= kSampleRates.size()) {
    return fail(Errc::malformed, "AudioSpecificConfig: reserved sampling frequency index {}", index);
  }
  return kSampleRates[index];
}

// Channels per channelConfiguration (1.6.3.4, Table 1.19, with the 2013 additions
// 11 to 14). 0 means a program_config_element gives them; -1 marks reserved values.
constexpr std::array<int, 16> kChannelsPerConfig = {0, 1, 2, 3, 4, 5, 6, 8, -1, -1, -1, 7, 8, 24, 8, -1};

// 4.4.1.1 program_config_element(): counts the channels it declares (a channel pair
// element is two) and reads the rest only to stay in step. byte_alignment() is
// relative to the start of the AudioSpecificConfig, where the reader started.
uint8_t read_program_config_element(BitReader& r) {
  r.skip(4 + 2 + 4);  // element_instance_tag, object_type, sampling_frequency_index
  const uint32_t front = r.u(4);
  const uint32_t side = r.u(4);
  const uint32_t back = r.u(4);
  const uint32_t lfe = r.u(2);
  const uint32_t assoc_data = r.u(3);
  const uint32_t valid_cc = r.u(4);
  if (r.flag()) r.skip(4);      // mono_mixdown_element_number
  if (r.flag()) r.skip(4);      // stereo_mixdown_element_number
  if (r.flag()) r.skip(2 + 1);  // matrix_mixdown_idx, pseudo_surround_enable
  uint32_t channels = lfe;
  for (uint32_t i = 0; i < front + side + back; ++i) {
    channels += r.flag() ? 2 : 1;  // *_element_is_cpe
    r.skip(4);                     // *_element_tag_select
  }
  r.skip(4 * lfe + 4 * assoc_data + 5 * valid_cc);
  if (!r.byte_aligned()) r.skip(8 - r.position() % 8);
  r.skip(8 * r.u(8));  // comment_field_bytes, comment_field_data
  return uint8_t(channels);
}

bool is_ga_object_type(uint8_t type) {
  switch (type) {
    case 1: case 2: case 3: case 4: case 6: case 7: case 17: case 19: case 20: case 21: case 22: case 23:
      return true;
    default:
      return false;
  }
}

// 4.4.1 GASpecificConfig()
void read_ga_specific_config(BitReader& r, AacConfig& config) {
  config.frame_length_960 = r.flag();
  if (r.flag()) r.skip(14);  // dependsOnCoreCoder, coreCoderDelay
  const bool extension_flag = r.flag();
  if (config.channel_configuration == 0) config.channels = read_program_config_element(r);
  const uint8_t type = config.object_type;
  if (type == 6 || type == 20) r.skip(3);  // layerNr
  if (extension_flag) {
    if (type == 22) r.skip(5 + 11);  // numOfSubFrame, layer_length
    if (type == 17 || type == 19 || type == 20 || type == 23) r.skip(3);  // resilience flags
    r.skip(1);  // extensionFlag3
  }
}

// The backward-compatible SBR/PS signalling that may follow the core config
// (1.6.2.1, syncExtensionType 0x2b7 and 0x548). FFmpeg writes it, often with
// sbrPresentFlag 0 to say "plain LC, do not look for SBR".
Result<void> read_sync_extension(BitReader& r, AacConfig& config) {
  if (r.bits_left() < 16 || r.u(11) != 0x2b7) return {};
  const uint8_t extension_type = read_object_type(r);
  if (extension_type != kSbr && extension_type != 22) return {};
  config.sbr = r.flag();  // sbrPresentFlag
  if (config.sbr) {
    uint8_t index = 0;
    auto rate = read_sample_rate(r, index);
    if (!rate) return std::unexpected(rate.error());
    config.output_sample_rate = *rate;
  }
  if (extension_type == 22) {
    r.skip(4);  // extensionChannelConfiguration
  } else if (config.sbr && r.bits_left() >= 12 && r.u(11) == 0x548) {
    config.ps = r.flag();  // psPresentFlag
  }
  return {};
}

}  // namespace

// ISO/IEC 14496-3 1.6.2.1 AudioSpecificConfig()
//   audioObjectType GetAudioObjectType(), samplingFrequencyIndex u(4)
//   [samplingFrequency u(24)], channelConfiguration u(4)
//   if audioObjectType is 5 (SBR) or 29 (PS): extensionSamplingFrequencyIndex u(4)
//     [u(24)], audioObjectType GetAudioObjectType() [extensionChannelConfiguration u(4)]
//   the object type's specific config (GASpecificConfig for AAC)
//   [syncExtensionType u(11) = 0x2b7 ... backward-compatible SBR/PS signalling]
// Object types that are not AAC (GA) are returned with the fields up to
// channelConfiguration only; their specific configs are not needed here.
Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> bytes) {
  BitReader r(bytes);
  AacConfig config;
  config.object_type = read_object_type(r);
  auto rate = read_sample_rate(r, config.sampling_frequency_index);
  if (!rate) return std::unexpected(rate.error());
  config.sample_rate = *rate;
  config.channel_configuration = uint8_t(r.u(4));
  if (config.object_type == kSbr || config.object_type == kPs) {
    config.sbr = true;
    config.ps = config.object_type == kPs;
    uint8_t index = 0;
    auto output_rate = read_sample_rate(r, index);
    if (!output_rate) return std::unexpected(output_rate.error());
    config.output_sample_rate = *output_rate;
    config.object_type = read_object_type(r);
    if (config.object_type == 22) r.skip(4);  // extensionChannelConfiguration
  }
  if (!r.ok()) return reader_error(r);
  if (config.object_type == 0) return fail(Errc::malformed, "AudioSpecificConfig: object type 0 (null)");
  const int channels = kChannelsPerConfig[config.channel_configuration];
  if (channels < 0) {
    return fail(Errc::unsupported, "AudioSpecificConfig: reserved channel configuration {}",
                config.channel_configuration);
  }
  config.channels = uint8_t(channels);

  if (is_ga_object_type(config.object_type)) {
    read_ga_specific_config(r, config);
    // Error-resilient types put epConfig and more here; the extension is not sought.
    if (!config.sbr && config.object_type < 17) {
      if (auto ok = read_sync_extension(r, config); !ok) return std::unexpected(ok.error());
    }
    if (!r.ok()) return reader_error(r);
  }
  if (config.output_sample_rate == 0) config.output_sample_rate = config.sample_rate;
  return config;
}

std::string describe(const AacConfig& config) {
  std::string name;
  if (config.ps && config.object_type == kAacLc) {
    name = "HE-AACv2";
  } else if (config.sbr && config.object_type == kAacLc) {
    name = "HE-AAC";
  } else {
    switch (config.object_type) {
      case kAacMain: name = "AAC Main"; break;
      case kAacLc: name = "AAC LC"; break;
      case kAacSsr: name = "AAC SSR"; break;
      case kAacLtp: name = "AAC LTP"; break;
      case 23: name = "AAC LD"; break;
      case 39: name = "AAC ELD"; break;
      case 42: name = "USAC"; break;
      default: name = fmt::format("AAC object type {}", config.object_type);
    }
  }
  std::string layout;
  switch (config.channel_configuration) {
    case 1: layout = "mono"; break;
    case 2: layout = "stereo"; break;
    case 6: layout = "5.1"; break;
    case 7: case 12: case 14: layout = "7.1"; break;
    default: layout = fmt::format("{} channels", config.channels);
  }
  return fmt::format("{} {} Hz {}", name, config.output_sample_rate, layout);
}

std::string codec_string(const AacConfig& config) {
  const uint8_t type = config.ps ? kPs : config.sbr ? kSbr : config.object_type;
  return fmt::format("mp4a.40.{}", type);
}

// ISO/IEC 13818-7 6.2.1 (bit widths in brackets)
//   syncword 0xFFF [12], ID [1] (0: MPEG-4), layer [2] = 0, protection_absent [1] = 1,
//   profile_ObjectType [2] = object type - 1, sampling_frequency_index [4],
//   private_bit [1], channel_configuration [3], original_copy [1], home [1],
//   copyright_identification_bit [1], copyright_identification_start [1],
//   aac_frame_length [13] (header included), adts_buffer_fullness [11] = 0x7FF (VBR),
//   number_of_raw_data_blocks_in_frame [2] = 0 (one block)
// With SBR the header describes the core (LC at half rate); decoders find SBR
// themselves, which is how HE-AAC travels in MPEG-TS.
Result<std::array<uint8_t, 7>> make_adts_header(const AacConfig& config, size_t raw_frame_size) {
  if (config.object_type < kAacMain || config.object_type > kAacLtp) {
    return fail(Errc::unsupported, "ADTS: object type {} has no ADTS profile", config.object_type);
  }
  if (config.channel_configuration < 1 || config.channel_configuration > 7) {
    return fail(Errc::unsupported, "ADTS: channel configuration {} cannot be signalled",
                config.channel_configuration);
  }
  uint32_t index = config.sampling_frequency_index;
  if (index >= kSampleRates.size()) {
    index = 0;
    while (index < kSampleRates.size() && kSampleRates[index] != config.sample_rate) ++index;
    if (index == kSampleRates.size()) {
      return fail(Errc::unsupported, "ADTS: sample rate {} Hz has no index", config.sample_rate);
    }
  }
  constexpr size_t kHeaderSize = 7;
  constexpr size_t kMaxFrameLength = (1 << 13) - 1;
  if (raw_frame_size > kMaxFrameLength - kHeaderSize) {
    return fail(Errc::too_large, "ADTS: frame of {} bytes over the 13-bit length limit", raw_frame_size);
  }
  const uint32_t length = uint32_t(raw_frame_size + kHeaderSize);
  const uint32_t profile = config.object_type - 1u;
  const uint32_t channels = config.channel_configuration;
  constexpr uint32_t kFullnessVbr = 0x7ff;
  return std::array<uint8_t, 7>{
      0xff,
      0xf1,  // syncword low bits, ID 0, layer 0, protection_absent 1
      uint8_t(profile << 6 | index << 2 | channels >> 2),
      uint8_t((channels & 0x3) << 6 | length >> 11),
      uint8_t(length >> 3),
      uint8_t((length & 0x7) << 5 | kFullnessVbr >> 6),
      uint8_t((kFullnessVbr & 0x3f) << 2),
  };
}

}  // namespace relaycast::aac

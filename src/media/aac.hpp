#pragma once
// AAC configuration: the AudioSpecificConfig that RTMP/FLV and MP4 carry out of band,
// and the ADTS header that MPEG-TS needs in front of every raw frame instead.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"

namespace relaycast::aac {

// audioObjectType values (ISO/IEC 14496-3 1.5.1.1, Table 1.17) that matter here.
inline constexpr uint8_t kAacMain = 1;
inline constexpr uint8_t kAacLc = 2;
inline constexpr uint8_t kAacSsr = 3;
inline constexpr uint8_t kAacLtp = 4;
inline constexpr uint8_t kSbr = 5;  // HE-AAC
inline constexpr uint8_t kPs = 29;  // HE-AAC v2

// ISO/IEC 14496-3 1.6.3.3, Table 1.18 (the same as 13818-7 Table 35 for ADTS): the
// rate of each samplingFrequencyIndex; 13 and 14 are reserved, 15 means an explicit
// rate follows (AudioSpecificConfig only).
inline constexpr std::array<uint32_t, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                          22050, 16000, 12000, 11025, 8000,  7350};

struct AacConfig {
  // The core coder: with explicit hierarchical SBR/PS signalling this is the object
  // type after the SBR/PS one (LC for HE-AAC), and the rate is the core's rate.
  uint8_t object_type = 0;
  uint8_t sampling_frequency_index = 0;  // 0..12, or 15 for an explicit rate
  uint32_t sample_rate = 0;              // Hz, of the core coder
  uint8_t channel_configuration = 0;     // 0: the program_config_element says
  uint8_t channels = 0;
  // SBR/PS when the config signals them explicitly (implicit SBR is found only by
  // decoding, and then sbr stays false).
  bool sbr = false;
  bool ps = false;
  uint32_t output_sample_rate = 0;  // Hz after SBR; equal to sample_rate without it
  bool frame_length_960 = false;    // frameLengthFlag: 960 instead of 1024 samples
};

// ISO/IEC 14496-3 1.6.2.1 AudioSpecificConfig, with GASpecificConfig (4.4.1) and its
// program_config_element (4.4.1.1) for the AAC object types.
Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> config);

// "AAC LC 48000 Hz stereo", "HE-AAC 48000 Hz stereo".
std::string describe(const AacConfig& config);
// RFC 6381 codecs parameter ("mp4a.40.2"), for HLS playlists and MSE. HE-AAC is named
// by its SBR/PS object type, as players expect.
std::string codec_string(const AacConfig& config);

// ISO/IEC 13818-7 6.2.1 adts_fixed_header + adts_variable_header, without CRC, for
// one raw_data_block of `raw_frame_size` bytes. Errc::too_large when the frame does
// not fit the 13-bit aac_frame_length; Errc::unsupported for configs ADTS cannot
// describe (object types above LTP, channel configuration 0 or above 7, a sample rate
// outside the index table).
Result<std::array<uint8_t, 7>> make_adts_header(const AacConfig& config, size_t raw_frame_size);

}  // namespace relaycast::aac

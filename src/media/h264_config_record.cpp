#include "media/h264_config_record.hpp"

#include "core/byte_io.hpp"

namespace relaycast::h264 {

Result<std::vector<uint8_t>> make_avc_decoder_config(std::span<const uint8_t> sps, std::span<const uint8_t> pps) {
  if (sps.size() < 4) return fail(Errc::truncated, "avcC: SPS of {} bytes is too short", sps.size());
  if (pps.empty()) return fail(Errc::malformed, "avcC: empty PPS");
  if (sps.size() > 0xffff || pps.size() > 0xffff)
    return fail(Errc::malformed, "avcC: parameter set over 65535 bytes");
  std::vector<uint8_t> out;
  out.reserve(11 + sps.size() + pps.size());
  ByteWriter w(out);
  w.u8(1);       // configurationVersion
  w.u8(sps[1]);  // AVCProfileIndication
  w.u8(sps[2]);  // profile_compatibility
  w.u8(sps[3]);  // AVCLevelIndication
  w.u8(0xff);    // reserved 6 bits '1', lengthSizeMinusOne 3
  w.u8(0xe1);    // reserved 3 bits '1', numOfSequenceParameterSets 1
  w.u16be(uint16_t(sps.size()));
  w.bytes(sps);
  w.u8(1);  // numOfPictureParameterSets
  w.u16be(uint16_t(pps.size()));
  w.bytes(pps);
  return out;
}

}  // namespace relaycast::h264

#include "format/fmp4_sample_entry.hpp"

#include "format/fmp4_box_writer.hpp"

namespace relaycast::fmp4 {
namespace {

// ISO 14496-12 8.5.2.2 SampleEntry: 6 reserved bytes, then data_reference_index,
// which points at the one self-contained 'url ' entry of dref.
void write_sample_entry_header(ByteWriter& w) {
  for (int i = 0; i < 6; ++i) w.u8(0);
  w.u16be(1);
}

// ISO 14496-12 12.1.3 VisualSampleEntry('avc1'), ISO 14496-15 5.4.2.1 AVCSampleEntry
// with its AVCConfigurationBox ('avcC'), whose body is the AVCDecoderConfigurationRecord
// exactly as RTMP/FLV delivers it. HEVC is the same with 'hvc1' and 'hvcC' (14496-15
// 8.4.1.1 HEVCSampleEntry, 8.4.1.2 HEVCConfigurationBox): 'hvc1' rather than 'hev1'
// because the parameter sets are all in the hvcC (the TS ingest strips the in-band
// ones), which is also the form Apple's players require.
void write_visual_entry(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  const bool hevc = track.codec == Codec::hevc;
  Box entry(out, hevc ? "hvc1" : "avc1");
  ByteWriter w(out);
  write_sample_entry_header(w);
  w.u16be(0);  // pre_defined
  w.u16be(0);  // reserved
  for (int i = 0; i < 3; ++i) w.u32be(0);  // pre_defined
  w.u16be(uint16_t(details.width));
  w.u16be(uint16_t(details.height));
  w.u32be(0x00480000);  // horizresolution, 72 dpi
  w.u32be(0x00480000);  // vertresolution
  w.u32be(0);           // reserved
  w.u16be(1);           // frame_count: one picture per sample
  for (int i = 0; i < 32; ++i) w.u8(0);  // compressorname: empty Pascal string
  w.u16be(0x0018);  // depth: colour, no alpha
  w.u16be(0xffff);  // pre_defined = -1
  Box config(out, hevc ? "hvcC" : "avcC");
  w.bytes(track.config.span());
}

// ISO 14496-1 8.3.3 expandable sizeOfInstance: 7 bits per byte, high bit = more follow.
void write_descriptor_size(ByteWriter& w, size_t size) {
  int groups = 1;
  while (groups < 4 && (size >> (7 * groups)) != 0) ++groups;
  for (int i = groups - 1; i >= 0; --i) w.u8(uint8_t(((size >> (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0)));
}

void write_descriptor(std::vector<uint8_t>& out, uint8_t tag, const std::vector<uint8_t>& body) {
  ByteWriter w(out);
  w.u8(tag);
  write_descriptor_size(w, body.size());
  w.bytes(body);
}

// ISO 14496-14 5.6 ESDBox: an ES_Descriptor (ISO 14496-1 7.2.6.5) holding the
// DecoderConfigDescriptor (7.2.6.6) with the AudioSpecificConfig as
// DecoderSpecificInfo, and the SLConfigDescriptor that MP4 files fix to predefined 2.
void write_esds(std::vector<uint8_t>& out, const TrackInfo& track) {
  constexpr uint8_t kEsDescrTag = 0x03, kDecoderConfigDescrTag = 0x04, kDecSpecificInfoTag = 0x05,
                    kSlConfigDescrTag = 0x06;
  constexpr uint8_t kObjectTypeAudio14496_3 = 0x40;
  constexpr uint8_t kStreamTypeAudio = 0x05;

  std::vector<uint8_t> decoder_config;
  ByteWriter dc(decoder_config);
  dc.u8(kObjectTypeAudio14496_3);
  dc.u8(uint8_t(kStreamTypeAudio << 2 | 1));  // upStream 0, reserved 1
  // A live encoder's bitrate is unknown when the init segment is written; 0 is what
  // 7.2.6.6 allows for "not known", and decoders size their buffers from the config.
  dc.u24be(0);  // bufferSizeDB
  dc.u32be(0);  // maxBitrate
  dc.u32be(0);  // avgBitrate
  write_descriptor(decoder_config, kDecSpecificInfoTag,
                   std::vector<uint8_t>(track.config.span().begin(), track.config.span().end()));

  std::vector<uint8_t> es;
  ByteWriter e(es);
  e.u16be(0);  // ES_ID: 0 in MP4 files, the track is identified by the trak
  e.u8(0);     // no stream dependence, URL or OCR stream; priority 0
  write_descriptor(es, kDecoderConfigDescrTag, decoder_config);
  write_descriptor(es, kSlConfigDescrTag, {0x02});

  Box esds(out, "esds", 0, 0);
  write_descriptor(out, kEsDescrTag, es);
}

// ISO 14496-12 12.2.3 AudioSampleEntry('mp4a'), ISO 14496-14 5.6.1 MP4AudioSampleEntry.
void write_mp4a(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  Box mp4a(out, "mp4a");
  ByteWriter w(out);
  write_sample_entry_header(w);
  w.u32be(0);  // reserved
  w.u32be(0);  // reserved
  w.u16be(details.channels);
  w.u16be(16);  // samplesize
  w.u16be(0);   // pre_defined
  w.u16be(0);   // reserved
  // samplerate is 16.16 fixed point, so rates from 65536 Hz up do not fit; AAC
  // decoders take the rate from the AudioSpecificConfig, so 0 is harmless there.
  w.u32be(details.sample_rate <= 0xffff ? details.sample_rate << 16 : 0);
  write_esds(out, track);
}

}  // namespace

void write_sample_entry(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  if (track.kind == TrackKind::video) {
    write_visual_entry(out, track, details);
  } else {
    write_mp4a(out, track, details);
  }
}

}  // namespace relaycast::fmp4

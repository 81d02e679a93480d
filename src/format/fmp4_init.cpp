#include "format/fmp4_init.hpp"

#include <algorithm>

#include "format/fmp4_box_writer.hpp"
#include "format/fmp4_sample_entry.hpp"

namespace relaycast::fmp4 {
namespace {

// mvhd/tkhd durations and edit lists would count in this; a live init segment has
// neither, so any value works and milliseconds read well in a dump.
constexpr uint32_t kMovieTimescale = 1000;

// ISO 14496-12 8.2.2.3: the identity transformation, { a b u; c d v; x y w } with
// 16.16 fixed point except u, v, w (2.30).
constexpr uint32_t kUnityMatrix[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

void write_matrix(ByteWriter& w) {
  for (uint32_t v : kUnityMatrix) w.u32be(v);
}

// ISO 14496-12 4.3 FileTypeBox. iso6 covers what the fragments use (tfdt, trun
// version 1, default-base-is-moof); cmfc declares the CMAF structural brand (CMAF
// 7.2) that LL-HLS players expect of fMP4 segments.
void write_ftyp(std::vector<uint8_t>& out) {
  Box ftyp(out, "ftyp");
  ByteWriter w(out);
  w.text("iso6");  // major_brand
  w.u32be(0);      // minor_version
  for (auto brand : {"iso6", "cmfc", "mp41"}) w.text(brand);
}

// ISO 14496-12 8.2.2 MovieHeaderBox, version 0. Times are 0: a live presentation has
// no creation time worth stating and its duration is unknown (fragments extend it).
void write_mvhd(std::vector<uint8_t>& out, uint32_t next_track_id) {
  Box mvhd(out, "mvhd", 0, 0);
  ByteWriter w(out);
  w.u32be(0);  // creation_time
  w.u32be(0);  // modification_time
  w.u32be(kMovieTimescale);
  w.u32be(0);           // duration
  w.u32be(0x00010000);  // rate 1.0
  w.u16be(0x0100);      // volume 1.0
  w.u16be(0);           // reserved
  w.u32be(0);           // reserved[2]
  w.u32be(0);
  write_matrix(w);
  for (int i = 0; i < 6; ++i) w.u32be(0);  // pre_defined
  w.u32be(next_track_id);
}

// ISO 14496-12 8.3.2 TrackHeaderBox, version 0; flags track_enabled | track_in_movie.
void write_tkhd(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  Box tkhd(out, "tkhd", 0, 0x000003);
  ByteWriter w(out);
  const bool audio = track.kind == TrackKind::audio;
  w.u32be(0);  // creation_time
  w.u32be(0);  // modification_time
  w.u32be(track.track_id);
  w.u32be(0);  // reserved
  w.u32be(0);  // duration
  w.u32be(0);  // reserved[2]
  w.u32be(0);
  w.u16be(0);                   // layer
  w.u16be(0);                   // alternate_group
  w.u16be(audio ? 0x0100 : 0);  // volume: 1.0 for audio only
  w.u16be(0);                   // reserved
  write_matrix(w);
  w.u32be(details.width << 16);  // 16.16 presentation size
  w.u32be(details.height << 16);
}

// ISO 14496-12 8.4.2 MediaHeaderBox, version 0; the timescale the fragments count in.
void write_mdhd(std::vector<uint8_t>& out, const TrackInfo& track) {
  Box mdhd(out, "mdhd", 0, 0);
  ByteWriter w(out);
  w.u32be(0);  // creation_time
  w.u32be(0);  // modification_time
  w.u32be(track.timescale);
  w.u32be(0);       // duration
  w.u16be(0x55c4);  // language "und": pad bit, then three 5-bit letters minus 0x60
  w.u16be(0);       // pre_defined
}

// ISO 14496-12 8.4.3 HandlerReferenceBox.
void write_hdlr(std::vector<uint8_t>& out, const TrackInfo& track) {
  Box hdlr(out, "hdlr", 0, 0);
  ByteWriter w(out);
  const bool audio = track.kind == TrackKind::audio;
  w.u32be(0);  // pre_defined
  w.text(audio ? "soun" : "vide");
  for (int i = 0; i < 3; ++i) w.u32be(0);  // reserved
  w.text(audio ? "SoundHandler" : "VideoHandler");
  w.u8(0);  // name is null-terminated
}

// ISO 14496-12 12.1.2 VideoMediaHeaderBox (flags 1 is required) / 12.2.2
// SoundMediaHeaderBox.
void write_media_header(std::vector<uint8_t>& out, const TrackInfo& track) {
  ByteWriter w(out);
  if (track.kind == TrackKind::audio) {
    Box smhd(out, "smhd", 0, 0);
    w.u16be(0);  // balance: centre
    w.u16be(0);  // reserved
  } else {
    Box vmhd(out, "vmhd", 0, 1);
    w.u16be(0);  // graphicsmode: copy
    for (int i = 0; i < 3; ++i) w.u16be(0);  // opcolor
  }
}

// ISO 14496-12 8.7.1 DataInformationBox with 8.7.2 DataReferenceBox: one 'url ' entry
// with flags 1, "media data is in this file".
void write_dinf(std::vector<uint8_t>& out) {
  Box dinf(out, "dinf");
  Box dref(out, "dref", 0, 0);
  ByteWriter(out).u32be(1);  // entry_count
  Box url(out, "url ", 0, 1);
}

// ISO 14496-12 8.5.1 SampleTableBox. The sample description is all a fragmented
// track needs; the sample tables are present (they are mandatory) and empty, since
// every sample is in a fragment (8.8.1).
void write_stbl(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  Box stbl(out, "stbl");
  ByteWriter w(out);
  {
    Box stsd(out, "stsd", 0, 0);  // 8.5.2
    w.u32be(1);                   // entry_count
    write_sample_entry(out, track, details);
  }
  {
    Box stts(out, "stts", 0, 0);  // 8.6.1.2
    w.u32be(0);
  }
  {
    Box stsc(out, "stsc", 0, 0);  // 8.7.4
    w.u32be(0);
  }
  {
    Box stsz(out, "stsz", 0, 0);  // 8.7.3.2
    w.u32be(0);                   // sample_size
    w.u32be(0);                   // sample_count
  }
  Box stco(out, "stco", 0, 0);  // 8.7.5
  w.u32be(0);
}

void write_trak(std::vector<uint8_t>& out, const TrackInfo& track, const TrackDetails& details) {
  Box trak(out, "trak");
  write_tkhd(out, track, details);
  Box mdia(out, "mdia");
  write_mdhd(out, track);
  write_hdlr(out, track);
  Box minf(out, "minf");
  write_media_header(out, track);
  write_dinf(out);
  write_stbl(out, track, details);
}

// ISO 14496-12 8.8.3 TrackExtendsBox. No defaults: every trun states each sample's
// duration, size and flags, so fragments never depend on this box's values.
void write_trex(std::vector<uint8_t>& out, const TrackInfo& track) {
  Box trex(out, "trex", 0, 0);
  ByteWriter w(out);
  w.u32be(track.track_id);
  w.u32be(1);  // default_sample_description_index
  w.u32be(0);  // default_sample_duration
  w.u32be(0);  // default_sample_size
  w.u32be(0);  // default_sample_flags
}

}  // namespace

Result<std::vector<uint8_t>> make_init_segment(std::span<const TrackInfo> tracks) {
  if (auto checked = check_tracks(tracks); !checked) {
    return std::unexpected(std::move(checked.error()).context("fmp4 init segment"));
  }
  std::vector<TrackDetails> details;
  for (const auto& track : tracks) {
    auto d = describe_track(track);
    if (!d) return std::unexpected(std::move(d.error()).context("fmp4 init segment"));
    details.push_back(std::move(*d));
  }
  uint32_t max_track_id = 0;
  for (const auto& track : tracks) max_track_id = std::max(max_track_id, track.track_id);

  std::vector<uint8_t> out;
  out.reserve(1024);
  write_ftyp(out);
  {
    // Scoped so that moov's size is patched before `out` is moved into the result.
    Box moov(out, "moov");
    // ISO 14496-12 8.2.2.3: next_track_ID is larger than the largest id in use; all
    // ones tells an editor to search for a free one.
    write_mvhd(out, max_track_id == UINT32_MAX ? UINT32_MAX : max_track_id + 1);
    for (size_t i = 0; i < tracks.size(); ++i) write_trak(out, tracks[i], details[i]);
    Box mvex(out, "mvex");  // 8.8.1: the movie is fragmented
    for (const auto& track : tracks) write_trex(out, track);
  }
  return out;
}

}  // namespace relaycast::fmp4

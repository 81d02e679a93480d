// The MPEG-TS and fMP4 muxers fed arbitrary sequences of structurally valid packets
// (see packet_recipe.hpp): they may refuse a packet, but never crash, and what they
// write is well framed: whole 188-byte TS packets, a moof and an mdat whose sizes add
// up to the fragment.
#include <array>
#include <optional>
#include <vector>

#include "format/fmp4_fragment.hpp"
#include "format/fmp4_init.hpp"
#include "format/mpegts_muxer.hpp"
#include "fuzz_support.hpp"
#include "packet_recipe.hpp"

using namespace relaycast;

namespace {

// ISO/IEC 13818-1 2.4.3.2/2.4.3.3: whole packets behind the sync byte; per PID the
// continuity_counter steps by one in every packet with a payload (a gap makes a player
// drop the PES); the PCR never goes back (modulo its 33-bit wrap).
struct TsChecker {
  std::array<std::optional<uint8_t>, 0x2000> counters;
  std::optional<uint64_t> last_pcr;

  void check(std::span<const uint8_t> ts) {
    FUZZ_CHECK(ts.size() % 188 == 0);
    for (size_t i = 0; i < ts.size(); i += 188) {
      const uint8_t* p = ts.data() + i;
      FUZZ_CHECK(p[0] == 0x47);
      const uint16_t pid = uint16_t((p[1] & 0x1f) << 8 | p[2]);
      const uint8_t control = (p[3] >> 4) & 3;
      const uint8_t cc = p[3] & 0x0f;
      FUZZ_CHECK(control != 0);  // reserved
      if (control & 1) {
        if (counters[pid]) FUZZ_CHECK(cc == ((*counters[pid] + 1) & 0x0f));
        counters[pid] = cc;
      }
      if ((control & 2) && p[4] > 0) {
        FUZZ_CHECK(p[4] <= (control & 1 ? 182 : 183));  // adaptation_field_length
        if (p[5] & 0x10) {  // PCR_flag
          const uint64_t base = uint64_t(p[6]) << 25 | uint64_t(p[7]) << 17 | uint64_t(p[8]) << 9 |
                                uint64_t(p[9]) << 1 | p[10] >> 7;
          if (last_pcr) {
            const uint64_t forward = (base - *last_pcr) & ((uint64_t(1) << 33) - 1);
            FUZZ_CHECK(forward < (uint64_t(1) << 32));  // a step back would be a huge step forward
          }
          last_pcr = base;
        }
      }
    }
  }
};

// ISO/IEC 14496-12 4.2: a box is a 32-bit size (header included) and a type.
void check_fragment(const std::vector<uint8_t>& bytes) {
  FUZZ_CHECK(bytes.size() >= 16);
  const uint32_t moof = load_u32be(bytes.data());
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(bytes.data() + 4), 4) == "moof");
  FUZZ_CHECK(moof + 8 <= bytes.size());
  const uint32_t mdat = load_u32be(bytes.data() + moof);
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(bytes.data() + moof + 4), 4) == "mdat");
  FUZZ_CHECK(size_t(moof) + mdat == bytes.size());
}

struct Fmp4 {
  std::vector<fmp4::TrackInfo> tracks;
  std::vector<fmp4::Sample> samples;
  uint32_t sequence = 1;
  size_t flush_every = 8;

  void flush() {
    if (samples.empty()) return;
    // Durations as the packager gives them: until the track's next sample.
    for (size_t i = 0; i < samples.size(); ++i) {
      samples[i].duration = 3000;
      for (size_t j = i + 1; j < samples.size(); ++j) {
        if (samples[j].track_id != samples[i].track_id) continue;
        const int64_t d = samples[j].dts - samples[i].dts;
        samples[i].duration = d > 0 && d < (int64_t(1) << 32) ? uint32_t(d) : 0;
        break;
      }
    }
    auto parts = fmp4::make_fragment_parts(sequence, tracks, samples);
    auto whole = fmp4::make_fragment(sequence, tracks, samples);
    FUZZ_CHECK(parts.has_value() == whole.has_value());
    if (parts) {
      size_t payload = 0;
      for (const auto& p : parts->payloads) payload += p.size();
      FUZZ_CHECK(parts->size() == parts->head.size() + payload);
      FUZZ_CHECK(whole->size() == parts->size());
      check_fragment(*whole);
      ++sequence;
    }
    samples.clear();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::PacketRecipe recipe({data, size});
  const bool has_video = !(recipe.options & 2);
  const bool has_audio = !(recipe.options & 1) || !has_video;
  mpegts::TsMuxer ts({.has_video = has_video, .has_audio = has_audio});
  std::vector<uint8_t> out;
  ts.write_tables(out);
  static TsChecker checker;  // 8 KB of counters: reset, not reallocated, per input
  checker = TsChecker();
  checker.check(out);

  Fmp4 mp4;
  mp4.flush_every = 1 + (recipe.options >> 4);
  std::optional<MediaPacket> video_config, audio_config;
  size_t steps = 0;
  while (auto step = recipe.next()) {
    if (++steps > 2000) break;
    if (step->end_of_stream) {
      mp4.flush();
      const size_t before = out.size();
      ts.write_tables(out);
      checker.check(std::span(out).subspan(before));
      continue;
    }
    const MediaPacket& p = step->packet;
    const size_t before = out.size();
    auto written = ts.write_packet(p, out);
    if (!written) FUZZ_CHECK(out.size() == before);  // nothing appended on error
    checker.check(std::span(out).subspan(before));
    if (out.size() > (1 << 20)) out.clear();  // keep memory flat; packets are checked as written

    if (p.config) {
      mp4.flush();
      (p.kind == TrackKind::video ? video_config : audio_config) = p;
      mp4.tracks.clear();
      uint32_t id = 1;
      for (const auto* c : {&video_config, &audio_config}) {
        if (!*c) continue;
        if (auto track = fmp4::track_from_config(id++, **c)) mp4.tracks.push_back(std::move(*track));
      }
      if (!mp4.tracks.empty()) {
        if (auto init = fmp4::make_init_segment(mp4.tracks)) {
          FUZZ_CHECK(init->size() >= 8 && load_u32be(init->data()) <= init->size());
          (void)fmp4::codecs_attribute(mp4.tracks);
        }
      }
      continue;
    }
    uint32_t track = 0;
    for (const auto& t : mp4.tracks)
      if (t.kind == p.kind) track = t.track_id;
    if (track == 0) continue;
    mp4.samples.push_back({.track_id = track, .dts = p.dts, .pts = p.pts, .keyframe = p.keyframe, .data = p.payload});
    if (mp4.samples.size() >= mp4.flush_every || (p.keyframe && p.kind == TrackKind::video)) mp4.flush();
  }
  mp4.flush();
  return 0;
}

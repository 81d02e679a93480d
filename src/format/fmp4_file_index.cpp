#include "format/fmp4_file_index.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "core/byte_io.hpp"
#include "format/fmp4_flags.hpp"

namespace relaycast::fmp4 {
namespace {

struct ParsedBox {
  std::string_view type;
  uint64_t offset = 0;  // within the span the walk started from
  uint64_t size = 0;    // header included
  std::span<const uint8_t> body;
};

// The boxes of `bytes` in order. Stops at a box that runs past the end (`torn` is
// then its offset) or has an impossible size.
struct BoxWalk {
  std::vector<ParsedBox> boxes;
  std::optional<uint64_t> torn;
};

BoxWalk walk(std::span<const uint8_t> bytes) {
  BoxWalk out;
  uint64_t pos = 0;
  while (pos < bytes.size()) {
    const uint64_t left = bytes.size() - pos;
    if (left < 8) {
      out.torn = pos;
      break;
    }
    const uint8_t* p = bytes.data() + pos;
    uint64_t size = load_u32be(p);
    uint64_t header = 8;
    if (size == 1) {
      if (left < 16) {
        out.torn = pos;
        break;
      }
      size = load_u64be(p + 8);
      header = 16;
    } else if (size == 0) {
      size = left;  // to the end of the file (8.2 / 4.2)
    }
    if (size < header || size > left) {
      out.torn = pos;
      break;
    }
    out.boxes.push_back({std::string_view(reinterpret_cast<const char*>(p + 4), 4), pos, size,
                         bytes.subspan(pos + header, size - header)});
    pos += size;
  }
  return out;
}

const ParsedBox* find(const std::vector<ParsedBox>& boxes, std::string_view type) {
  for (const auto& b : boxes)
    if (b.type == type) return &b;
  return nullptr;
}

// A FullBox's version and flags, and a reader after them.
struct FullBox {
  uint8_t version = 0;
  uint32_t flags = 0;
  ByteReader reader{std::span<const uint8_t>()};
};

std::optional<FullBox> full_box(const ParsedBox& box) {
  ByteReader r(box.body);
  auto vf = r.u32be();
  if (!vf) return std::nullopt;
  return FullBox{uint8_t(*vf >> 24), *vf & 0xFFFFFF, ByteReader(r.rest())};
}

Result<IndexedTrack> read_trak(const ParsedBox& trak) {
  const auto children = walk(trak.body).boxes;
  IndexedTrack track;
  const ParsedBox* tkhd = find(children, "tkhd");
  const ParsedBox* mdia = find(children, "mdia");
  if (!tkhd || !mdia) return fail(Errc::malformed, "trak without tkhd or mdia");
  auto th = full_box(*tkhd);
  if (!th || !th->reader.skip(th->version == 1 ? 16 : 8)) return fail(Errc::truncated, "tkhd too short");
  auto id = th->reader.u32be();
  if (!id || *id == 0) return fail(Errc::malformed, "tkhd without a track id");
  track.track_id = *id;

  const auto media = walk(mdia->body).boxes;
  const ParsedBox* mdhd = find(media, "mdhd");
  const ParsedBox* hdlr = find(media, "hdlr");
  if (!mdhd || !hdlr) return fail(Errc::malformed, "track {}: mdia without mdhd or hdlr", track.track_id);
  auto mh = full_box(*mdhd);
  if (!mh || !mh->reader.skip(mh->version == 1 ? 16 : 8)) return fail(Errc::truncated, "mdhd too short");
  auto timescale = mh->reader.u32be();
  if (!timescale || *timescale == 0) return fail(Errc::malformed, "track {}: timescale 0", track.track_id);
  track.timescale = *timescale;
  auto hh = full_box(*hdlr);
  if (!hh || !hh->reader.skip(4)) return fail(Errc::truncated, "hdlr too short");
  auto handler = hh->reader.bytes(4);
  if (!handler) return fail(Errc::truncated, "hdlr too short");
  const std::string_view kind(reinterpret_cast<const char*>(handler->data()), 4);
  track.kind = kind == "vide" ? TrackKind::video : kind == "soun" ? TrackKind::audio : TrackKind::data;
  return track;
}

Result<std::vector<IndexedTrack>> read_moov(const ParsedBox& moov) {
  const auto children = walk(moov.body).boxes;
  std::vector<IndexedTrack> tracks;
  for (const auto& box : children) {
    if (box.type != "trak") continue;
    auto track = read_trak(box);
    if (!track) return std::unexpected(std::move(track.error()).context("moov"));
    tracks.push_back(*track);
  }
  if (tracks.empty()) return fail(Errc::malformed, "moov has no track");
  if (const ParsedBox* mvex = find(children, "mvex")) {
    for (const auto& box : walk(mvex->body).boxes) {
      if (box.type != "trex") continue;
      auto fb = full_box(box);
      auto id = fb ? fb->reader.u32be() : std::nullopt;
      if (!id || !fb->reader.skip(4)) continue;  // sample description index
      auto duration = fb->reader.u32be();
      auto size = fb->reader.u32be();
      auto flags = fb->reader.u32be();
      if (!flags || !size) continue;
      for (auto& t : tracks)
        if (t.track_id == *id) {
          t.default_sample_duration = *duration;
          t.default_sample_flags = *flags;
        }
    }
  }
  return tracks;
}

// One traf: its track, start time and total duration in the track's timescale, and
// whether its first sample is a sync sample.
struct TrafSummary {
  const IndexedTrack* track = nullptr;
  uint64_t base_time = 0;
  uint64_t duration = 0;
  bool first_is_sync = true;
  bool has_samples = false;
};

std::optional<TrafSummary> read_traf(const ParsedBox& traf, std::span<const IndexedTrack> tracks) {
  const auto children = walk(traf.body).boxes;
  const ParsedBox* tfhd = find(children, "tfhd");
  if (!tfhd) return std::nullopt;
  auto th = full_box(*tfhd);
  auto id = th ? th->reader.u32be() : std::nullopt;
  if (!id) return std::nullopt;
  TrafSummary run;
  for (const auto& t : tracks)
    if (t.track_id == *id) run.track = &t;
  if (!run.track) return std::nullopt;
  uint32_t default_duration = run.track->default_sample_duration;
  uint32_t default_flags = run.track->default_sample_flags;
  auto& r = th->reader;
  if ((th->flags & kBaseDataOffsetPresent) && !r.skip(8)) return std::nullopt;
  if ((th->flags & kSampleDescriptionIndexPresent) && !r.skip(4)) return std::nullopt;
  if (th->flags & kDefaultSampleDurationPresent) {
    auto d = r.u32be();
    if (!d) return std::nullopt;
    default_duration = *d;
  }
  if ((th->flags & kDefaultSampleSizePresent) && !r.skip(4)) return std::nullopt;
  if (th->flags & kDefaultSampleFlagsPresent) {
    auto f = r.u32be();
    if (!f) return std::nullopt;
    default_flags = *f;
  }

  if (const ParsedBox* tfdt = find(children, "tfdt")) {
    auto fb = full_box(*tfdt);
    auto base = !fb ? std::nullopt : fb->version == 1 ? fb->reader.u64be() : std::optional<uint64_t>(fb->reader.u32be());
    if (!base) return std::nullopt;
    run.base_time = *base;
  }
  bool first = true;
  for (const auto& box : children) {
    if (box.type != "trun") continue;
    auto fb = full_box(box);
    if (!fb) return std::nullopt;
    auto& tr = fb->reader;
    auto count = tr.u32be();
    if (!count) return std::nullopt;
    if ((fb->flags & kDataOffsetPresent) && !tr.skip(4)) return std::nullopt;
    std::optional<uint32_t> first_flags;
    if (fb->flags & kFirstSampleFlagsPresent) {
      first_flags = tr.u32be();
      if (!first_flags) return std::nullopt;
    }
    const size_t per_sample =
        4 * (((fb->flags & kSampleDurationPresent) != 0) + ((fb->flags & kSampleSizePresent) != 0) +
             ((fb->flags & kSampleFlagsPresent) != 0) + ((fb->flags & kSampleCompositionTimeOffsetsPresent) != 0));
    if (*count == 0) continue;
    if (per_sample == 0) {
      // Every sample takes the defaults, so the run costs nothing per sample in the file:
      // sum it in one step, or four billion claimed samples would be four billion turns.
      const uint32_t flags = first && first_flags ? *first_flags : default_flags;
      if (first) run.first_is_sync = (flags & kSampleIsNonSync) == 0;
      first = false;
      run.duration += uint64_t(*count) * default_duration;
      run.has_samples = true;
      continue;
    }
    // A count that the box cannot hold is a lie: refuse before looping over it.
    if (uint64_t(*count) * per_sample > tr.remaining()) return std::nullopt;
    for (uint32_t i = 0; i < *count; ++i) {
      uint32_t duration = default_duration;
      uint32_t flags = default_flags;
      if (fb->flags & kSampleDurationPresent) duration = *tr.u32be();
      if (fb->flags & kSampleSizePresent) tr.skip(4);
      if (fb->flags & kSampleFlagsPresent) flags = *tr.u32be();
      if (fb->flags & kSampleCompositionTimeOffsetsPresent) tr.skip(4);
      if (first) {
        if (i == 0 && first_flags) flags = *first_flags;
        run.first_is_sync = (flags & kSampleIsNonSync) == 0;
        first = false;
      }
      run.duration += duration;
      run.has_samples = true;
    }
  }
  return run;
}

// Far past anything a recording holds, and small enough that sums of them never overflow.
constexpr uint64_t kMaxTicks = uint64_t(1) << 53;  // ~3000 years at 90 kHz

// In kTimebase ticks, or nullopt past kMaxTicks (a hostile file's 64-bit times).
std::optional<int64_t> to_ticks(uint64_t units, uint32_t timescale) {
  const unsigned __int128 ticks = (unsigned __int128)units * kTimebase / timescale;
  if (ticks > kMaxTicks) return std::nullopt;
  return int64_t(ticks);
}

const IndexedTrack* reference_track(std::span<const IndexedTrack> tracks) {
  for (const auto& t : tracks)
    if (t.kind == TrackKind::video) return &t;
  return &tracks.front();
}

}  // namespace

int64_t FileIndex::duration() const {
  int64_t total = 0;
  for (const auto& f : fragments) total += f.duration;
  return total;
}

Result<FileIndex> index_fragmented_mp4(std::span<const uint8_t> file) {
  const BoxWalk top = walk(file);
  FileIndex index;
  const ParsedBox* moov = nullptr;
  size_t i = 0;
  for (; i < top.boxes.size() && top.boxes[i].type != "moof"; ++i)
    if (top.boxes[i].type == "moov") moov = &top.boxes[i];
  if (!moov) return fail(top.torn ? Errc::truncated : Errc::malformed, "no moov box before the first fragment");
  auto tracks = read_moov(*moov);
  if (!tracks) return std::unexpected(tracks.error());
  index.tracks = std::move(*tracks);
  index.init_size = i < top.boxes.size() ? top.boxes[i].offset : moov->offset + moov->size;
  index.complete_size = index.init_size;
  const IndexedTrack* reference = reference_track(index.tracks);
  uint64_t total_ticks = 0;

  while (i < top.boxes.size()) {
    const ParsedBox& moof = top.boxes[i];
    size_t next = i + 1;
    bool has_mdat = false;
    for (; next < top.boxes.size() && top.boxes[next].type != "moof"; ++next)
      has_mdat = has_mdat || top.boxes[next].type == "mdat";
    // A fragment whose mdat is missing or torn ends the index: its samples are not there.
    if (!has_mdat) break;
    IndexedFragment fragment{.offset = moof.offset};
    const ParsedBox& last = top.boxes[next - 1];
    fragment.size = last.offset + last.size - moof.offset;
    bool found = false;
    for (const auto& traf : walk(moof.body).boxes) {
      if (traf.type != "traf") continue;
      auto run = read_traf(traf, index.tracks);
      if (!run) return fail(Errc::malformed, "fragment at byte {}: unreadable traf", moof.offset);
      if (run->track != reference || !run->has_samples) continue;
      const auto start = to_ticks(run->base_time, reference->timescale);
      const auto duration = to_ticks(run->duration, reference->timescale);
      // Checked here, so that adding them up (the file's duration, the VOD playlist's
      // segments) cannot overflow.
      if (!start || !duration || *duration > kMaxFragmentTicks || total_ticks + uint64_t(*duration) > kMaxTicks)
        return fail(Errc::malformed, "fragment at byte {}: its start or duration is out of range", moof.offset);
      total_ticks += uint64_t(*duration);
      fragment.start = *start;
      fragment.duration = *duration;
      fragment.starts_with_keyframe = reference->kind != TrackKind::video || run->first_is_sync;
      found = true;
    }
    // A fragment with none of the reference track's samples (audio before the first
    // keyframe) is kept but adds no time.
    if (!found && !index.fragments.empty()) fragment.start = index.fragments.back().start + index.fragments.back().duration;
    index.fragments.push_back(fragment);
    index.complete_size = fragment.offset + fragment.size;
    i = next;
  }
  return index;
}

}  // namespace relaycast::fmp4

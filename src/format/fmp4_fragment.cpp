#include "format/fmp4_fragment.hpp"

#include <cstdint>
#include <limits>

#include "format/fmp4_box_writer.hpp"
#include "format/fmp4_flags.hpp"

namespace relaycast::fmp4 {
namespace {

constexpr size_t kMdatHeaderSize = 8;

// The samples of one track, in the order given.
struct TrackRun {
  const TrackInfo* track = nullptr;
  std::vector<const Sample*> samples;
  size_t data_offset_at = 0;  // where trun's data_offset is, to patch after the moof
};

Result<std::vector<TrackRun>> group_by_track(std::span<const TrackInfo> tracks, std::span<const Sample> samples) {
  std::vector<TrackRun> runs(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) runs[i].track = &tracks[i];
  for (const auto& sample : samples) {
    TrackRun* run = nullptr;
    for (auto& r : runs) {
      if (r.track->track_id == sample.track_id) run = &r;
    }
    if (!run) return fail(Errc::malformed, "a sample of track {}, which is not one of the tracks", sample.track_id);
    if (!run->samples.empty() && sample.dts < run->samples.back()->dts) {
      return fail(Errc::malformed, "track {}: samples out of decode order (dts {} after {})", sample.track_id,
                  sample.dts, run->samples.back()->dts);
    }
    run->samples.push_back(&sample);
  }
  return runs;
}

// ISO 14496-12 8.8.7 TrackFragmentHeaderBox: only the track id; everything else is
// per sample in the trun.
void write_tfhd(std::vector<uint8_t>& out, uint32_t track_id) {
  Box tfhd(out, "tfhd", 0, kDefaultBaseIsMoof);
  ByteWriter(out).u32be(track_id);
}

// ISO 14496-12 8.8.12 TrackFragmentBaseMediaDecodeTimeBox, version 1 (64 bits: a
// 90 kHz clock passes 2^32 after 13 hours).
Result<void> write_tfdt(std::vector<uint8_t>& out, const TrackRun& run) {
  const int64_t base = to_track_time(run.samples.front()->dts, run.track->timescale);
  if (base < 0) {
    return fail(Errc::malformed, "track {}: negative decode time {} (tfdt is unsigned)", run.track->track_id,
                run.samples.front()->dts);
  }
  Box tfdt(out, "tfdt", 1, 0);
  ByteWriter(out).u64be(uint64_t(base));
  return {};
}

// ISO 14496-12 8.8.8 TrackRunBox:
//   unsigned int(32) sample_count;
//   signed int(32) data_offset;                          // patched later
//   { unsigned int(32) sample_duration; unsigned int(32) sample_size;
//     unsigned int(32) sample_flags;
//     signed int(32) sample_composition_time_offset; }   // version 1: signed
// Composition offsets are written only when some pts differs from its dts (B-frames);
// version 1 lets them be negative, so no edit list is needed to line pts up.
Result<void> write_trun(std::vector<uint8_t>& out, TrackRun& run) {
  const uint32_t timescale = run.track->timescale;
  bool has_offsets = false;
  for (const Sample* s : run.samples) has_offsets = has_offsets || s->pts != s->dts;
  uint32_t flags = kDataOffsetPresent | kSampleDurationPresent | kSampleSizePresent | kSampleFlagsPresent;
  if (has_offsets) flags |= kSampleCompositionTimeOffsetsPresent;

  Box trun(out, "trun", has_offsets ? 1 : 0, flags);
  ByteWriter w(out);
  w.u32be(uint32_t(run.samples.size()));
  run.data_offset_at = out.size();
  w.u32be(0);
  for (const Sample* s : run.samples) {
    const int64_t dts = to_track_time(s->dts, timescale);
    // Both ends converted from absolute time: durations then sum to the converted
    // end time exactly, with no rounding error accumulating over a long stream.
    const int64_t duration = to_track_time(s->dts + s->duration, timescale) - dts;
    if (duration > UINT32_MAX) {
      return fail(Errc::malformed, "track {}: sample duration {} does not fit 32 bits", run.track->track_id,
                  duration);
    }
    w.u32be(uint32_t(duration));
    w.u32be(uint32_t(s->data.size()));
    w.u32be(s->keyframe ? kSyncSampleFlags : kNonSyncSampleFlags);
    if (has_offsets) {
      const int64_t offset = to_track_time(s->pts, timescale) - dts;
      if (offset < std::numeric_limits<int32_t>::min() || offset > std::numeric_limits<int32_t>::max()) {
        return fail(Errc::malformed, "track {}: composition offset {} (pts {}, dts {}) does not fit 32 bits",
                    run.track->track_id, offset, s->pts, s->dts);
      }
      w.u32be(uint32_t(int32_t(offset)));
    }
  }
  return {};
}

Result<void> write_traf(std::vector<uint8_t>& out, TrackRun& run) {
  Box traf(out, "traf");
  write_tfhd(out, run.track->track_id);
  if (auto r = write_tfdt(out, run); !r) return r;
  return write_trun(out, run);
}

Result<FragmentParts> build(uint32_t sequence_number, std::span<const TrackInfo> tracks,
                            std::span<const Sample> samples) {
  if (auto checked = check_tracks(tracks); !checked) return std::unexpected(std::move(checked.error()));
  if (samples.empty()) return fail(Errc::malformed, "no samples");
  auto runs = group_by_track(tracks, samples);
  if (!runs) return std::unexpected(std::move(runs.error()));

  uint64_t data_size = 0;
  for (const auto& s : samples) data_size += s.data.size();

  FragmentParts parts;
  auto& out = parts.head;
  out.reserve(128 + samples.size() * 16);
  {
    Box moof(out, "moof");
    {
      Box mfhd(out, "mfhd", 0, 0);  // 8.8.5 MovieFragmentHeaderBox
      ByteWriter(out).u32be(sequence_number);
    }
    for (auto& run : *runs) {
      if (run.samples.empty()) continue;
      if (auto r = write_traf(out, run); !r) return std::unexpected(std::move(r.error()));
    }
  }
  const uint64_t moof_size = out.size();
  // The mdat's 32-bit size and trun's 32-bit data_offset bound the fragment; a
  // fragment is a second or so of media, so hitting this means a broken caller.
  if (moof_size + kMdatHeaderSize + data_size > UINT32_MAX) {
    return fail(Errc::too_large, "fragment of {} bytes", moof_size + kMdatHeaderSize + data_size);
  }
  // ISO 14496-12 8.1.1 MediaDataBox: only its header is built here; its body is the
  // payloads, which follow `head` on the wire.
  ByteWriter w(out);
  w.u32be(uint32_t(kMdatHeaderSize + data_size));
  w.text("mdat");

  // data_offset counts from the moof's first byte (default-base-is-moof) to the
  // track's first sample; tracks follow each other in the mdat.
  uint64_t offset = moof_size + kMdatHeaderSize;
  parts.payloads.reserve(samples.size());
  for (const auto& run : *runs) {
    if (run.samples.empty()) continue;
    store_u32be(out.data() + run.data_offset_at, uint32_t(offset));
    for (const Sample* s : run.samples) {
      parts.payloads.push_back(s->data);
      offset += s->data.size();
    }
  }
  return parts;
}

}  // namespace

size_t FragmentParts::size() const {
  size_t total = head.size();
  for (const auto& p : payloads) total += p.size();
  return total;
}

Result<FragmentParts> make_fragment_parts(uint32_t sequence_number, std::span<const TrackInfo> tracks,
                                          std::span<const Sample> samples) {
  auto parts = build(sequence_number, tracks, samples);
  if (!parts) return std::unexpected(std::move(parts.error()).context(fmt::format("fmp4 fragment {}", sequence_number)));
  return parts;
}

Result<std::vector<uint8_t>> make_fragment(uint32_t sequence_number, std::span<const TrackInfo> tracks,
                                           std::span<const Sample> samples) {
  auto parts = make_fragment_parts(sequence_number, tracks, samples);
  if (!parts) return std::unexpected(std::move(parts.error()));
  const size_t size = parts->size();
  std::vector<uint8_t> out = std::move(parts->head);
  out.reserve(size);
  for (const auto& p : parts->payloads) out.insert(out.end(), p.span().begin(), p.span().end());
  return out;
}

}  // namespace relaycast::fmp4

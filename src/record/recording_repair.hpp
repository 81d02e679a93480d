#pragma once
// A recording cut short by a crash or a power cut may end inside a fragment (the
// process died in the middle of a write, or the disk kept only part of it). Players
// reject a file whose last moof is torn, so the torn tail is cut off: the file then
// ends with its last complete fragment.
#include <filesystem>

#include "core/error.hpp"

namespace relaycast::record {

// Cuts the torn tail of one file; says how many bytes it removed (0: it was whole).
// Errors: the file is not a fragmented MP4 (no moov), or cannot be read or truncated.
Result<uint64_t> repair_recording(const std::filesystem::path& file);

// Every .mp4 under `directory`, each problem logged; a missing directory is no error.
void repair_recordings(const std::filesystem::path& directory);

}  // namespace relaycast::record

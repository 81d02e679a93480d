#pragma once
// A file's bytes as a Buffer over a read-only memory mapping: served to HTTP clients
// (Range requests slice it) and indexed without reading it into memory. The mapping
// lives as long as any slice of the Buffer.
#include <filesystem>

#include "core/buffer.hpp"
#include "core/error.hpp"

namespace relaycast::record {

// The file as it is now (a recording still being written may grow after). An empty
// file is an empty Buffer. Errors: Errc::not_found, or the system's reason.
Result<Buffer> map_file(const std::filesystem::path& path);

}  // namespace relaycast::record

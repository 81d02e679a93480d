#pragma once
// State files (stream keys, events, secrets, recording switches) are rewritten whole;
// a crash or a full disk must leave the old content or the new one, never half.
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>

namespace relaycast {

// Writes `content` to `<path>.new`, gives it `perms` (if any) before it holds anything,
// and renames it over `path`. Creates the parent directories. On failure the old file
// is untouched and the error says what failed (the caller names the file's purpose).
std::error_code replace_file(const std::filesystem::path& path, std::string_view content,
                             std::optional<std::filesystem::perms> perms = std::nullopt);

}  // namespace relaycast

#pragma once
// The balancer's URLs and where they lead on the chosen node:
//   /play/{app}/{name}.m3u8       -> /{app}/{name}/index.m3u8
//   /play/{app}/{name}/ll.m3u8    -> /{app}/{name}/ll.m3u8  (and index.m3u8 likewise)
//   /play/{app}/{name}.flv        -> /{app}/{name}.flv
// The query (a play token) goes along.
#include <optional>
#include <string>
#include <string_view>

namespace relaycast::cluster {

constexpr std::string_view kPlayPrefix = "/play/";

// The path and query on the chosen node for a /play/ target; nullopt if it is none.
std::optional<std::string> play_target(std::string_view target);

}  // namespace relaycast::cluster

#pragma once
// Carries a query parameter (the play token) into every URI of a media playlist: the
// segment lines and the URI="..." attributes (EXT-X-MAP, EXT-X-PART,
// EXT-X-PRELOAD-HINT). A player resolves those relative to the playlist's URL, and
// RFC 3986 5.2 drops the base's query, so without this a player given
// index.m3u8?token=T would fetch its segments without the token. hls.js and Safari add
// _HLS_msn/_HLS_part to the playlist URL they were given, keeping its query.
#include <string>
#include <string_view>

namespace relaycast {

// `playlist` with `param` ("token=...") added to the query of each URI.
std::string with_uri_param(std::string_view playlist, std::string_view param);

}  // namespace relaycast

#pragma once
// The SRT stream id (SRTO_STREAMID) says what a caller wants, since SRT itself has no
// URL path. The conventions of the encoders and servers people already use:
//
//   #!::r=live/cam,m=publish       the SRT Access Control form (SRT's docs, SRS, MediaMTX):
//   #!::r=live/cam,m=request       r resource, m mode (request = play, the default)
//   publish:live/cam               MediaMTX / SRS short forms
//   play:live/cam  read:live/cam
//   live/cam                       a bare name is a play request
//
// A stream key goes in a query after the name (`publish:live/cam?key=K`,
// `#!::r=live/cam?key=K,m=publish`) or, in the access control form, as its own key
// (`#!::r=live/cam,m=publish,key=K`).
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace relaycast {

struct SrtStreamId {
  enum class Mode { publish, play };
  Mode mode = Mode::play;
  std::string app, name, query;
  std::string key() const { return app + "/" + name; }
};

// Errc::malformed naming what is wrong: empty, no app/name, an unknown mode
// (bidirectional is not offered), names outside the safe alphabet.
Result<SrtStreamId> parse_srt_stream_id(std::string_view id);

}  // namespace relaycast

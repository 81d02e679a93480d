// The token reaches every URI of a playlist a player will fetch, and nothing else.
#include "server/playlist_uris.hpp"

#include <gtest/gtest.h>

namespace relaycast {
namespace {

TEST(PlaylistUris, ClassicSegmentLines) {
  const std::string in =
      "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T07:00:00.000Z\n#EXTINF:2.000,\nab12-4.ts\n#EXTINF:2.000,\nab12-5.ts\n";
  EXPECT_EQ(with_uri_param(in, "token=9.ff"),
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n"
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T07:00:00.000Z\n#EXTINF:2.000,\nab12-4.ts?token=9.ff\n"
            "#EXTINF:2.000,\nab12-5.ts?token=9.ff\n");
}

TEST(PlaylistUris, LowLatencyAttributes) {
  const std::string in =
      "#EXT-X-MAP:URI=\"ab-init1.mp4\"\n"
      "#EXT-X-PART:DURATION=0.334,URI=\"ab-7.0.m4s\",INDEPENDENT=YES\n"
      "#EXTINF:2.000,\nab-7.m4s\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"ab-8.1.m4s\"\n";
  EXPECT_EQ(with_uri_param(in, "token=1.2"),
            "#EXT-X-MAP:URI=\"ab-init1.mp4?token=1.2\"\n"
            "#EXT-X-PART:DURATION=0.334,URI=\"ab-7.0.m4s?token=1.2\",INDEPENDENT=YES\n"
            "#EXTINF:2.000,\nab-7.m4s?token=1.2\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"ab-8.1.m4s?token=1.2\"\n");
}

TEST(PlaylistUris, AnExistingQueryIsExtended) {
  EXPECT_EQ(with_uri_param("seg.ts?x=1\n#EXT-X-MAP:URI=\"i.mp4?v=2\"\n", "token=t"),
            "seg.ts?x=1&token=t\n#EXT-X-MAP:URI=\"i.mp4?v=2&token=t\"\n");
}

TEST(PlaylistUris, OnlyRealUriAttributes) {
  // "XURI" is not URI; a line without a final newline stays without one.
  EXPECT_EQ(with_uri_param("#EXT-X-FOO:XURI=\"a\"\n\nlast.ts", "token=t"), "#EXT-X-FOO:XURI=\"a\"\n\nlast.ts?token=t");
}

}  // namespace
}  // namespace relaycast

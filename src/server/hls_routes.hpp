#pragma once
// HTTP answers for a stream's HLS folder (/app/name/...):
//   index.m3u8        classic HLS, MPEG-TS segments
//   ll.m3u8           LL-HLS, fMP4 segments and parts; _HLS_msn/_HLS_part block
//   <epoch>-<n>.ts, <epoch>-<n>.m4s, <epoch>-<n>.<p>.m4s, <epoch>-init<v>.mp4
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/config.hpp"
#include "hls/packagers.hpp"
#include "server/http_response.hpp"
#include "server/stream_path.hpp"

namespace relaycast {

boost::asio::awaitable<HttpResponse> hls_response(hls::Packagers& packagers, const HlsConfig& config,
                                                  const StreamFilePath& path, boost::asio::any_io_executor executor);

}  // namespace relaycast

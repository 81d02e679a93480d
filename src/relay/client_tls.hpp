#pragma once
// The TLS side of an RTMP client (rtmps:// push targets and origins): which
// certificates a node trusts, and what to say when a server's certificate is refused.
// Verification is what a public platform's ingest needs: the chain must lead to a
// trusted CA (the system's store, or tls_ca_file) and the certificate must name the
// URL's host; SNI carries the host name.
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "core/error.hpp"

namespace relaycast::relay {

struct ClientTlsSettings {
  bool verify = true;
  std::string ca_file;  // PEM CAs trusted instead of the system's store; empty: the system's

  auto operator<=>(const ClientTlsSettings&) const = default;
};

// A client context for `settings`; Errc::config naming the CA file and OpenSSL's reason
// when it cannot be read. Loading the system store takes milliseconds: make one per
// setting and share it (an ssl::context may serve connections on every thread).
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(const ClientTlsSettings& settings);

}  // namespace relaycast::relay

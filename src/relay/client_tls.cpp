#include "relay/client_tls.hpp"

#include <fmt/format.h>

namespace relaycast::relay {
namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const ClientTlsSettings& settings) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!settings.verify) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  boost::system::error_code ec;
  if (settings.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return fail(Errc::config, "the system's CA store cannot be loaded: {}", ec.message());
  } else {
    context->load_verify_file(settings.ca_file, ec);
    if (ec) return fail(Errc::config, "tls_ca_file {}: {}", settings.ca_file, ec.message());
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace relaycast::relay

#include "relay/client_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/x509v3.h>

#include <fmt/format.h>

namespace relaycast::relay {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

// The TLS stream works on the transport's own socket, so connecting and closing are
// the same for both kinds.
struct ClientTransport::Tls {
  Tls(asio::ip::tcp::socket& socket, ssl::context& context)
      : verify(SSL_CTX_get_verify_mode(context.native_handle()) & SSL_VERIFY_PEER), stream(socket, context) {}
  const bool verify;
  ssl::stream<asio::ip::tcp::socket&> stream;
  // What a write of several pieces is gathered into (write()).
  std::vector<uint8_t> staging;
};

ClientTransport::ClientTransport(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls)
    : socket_(executor) {
  // The context outlives the stream: every client of a push or pull shares it with the
  // Relay, which keeps it for the process's life.
  if (tls) tls_ = std::make_unique<Tls>(socket_, *tls);
}

ClientTransport::~ClientTransport() = default;

asio::awaitable<std::tuple<boost::system::error_code>> ClientTransport::handshake(const std::string& host) {
  SSL* ssl_handle = tls_->stream.native_handle();
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  // RFC 6066 3: SNI carries DNS names only.
  if (not_ip) SSL_set_tlsext_host_name(ssl_handle, host.c_str());
  if (tls_->verify) {
    // OpenSSL checks the name during the chain's verification, so that a mismatch
    // reports as X509_V_ERR_HOSTNAME_MISMATCH / _IP_ADDRESS_MISMATCH.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (not_ip) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    else X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
  return tls_->stream.async_handshake(ssl::stream_base::client, use_tuple);
}

Error ClientTransport::handshake_error(const boost::system::error_code& ec, const std::string& node,
                                       const std::string& host) const {
  // Without verification OpenSSL still records what it found wrong, which then did
  // not stop the handshake.
  const long verified = tls_->verify ? SSL_get_verify_result(tls_->stream.native_handle()) : X509_V_OK;
  if (verified != X509_V_OK) {
    const char* reason = X509_verify_cert_error_string(verified);
    if (verified == X509_V_ERR_HOSTNAME_MISMATCH || verified == X509_V_ERR_IP_ADDRESS_MISMATCH)
      return Error(Errc::refused, fmt::format("{}: TLS certificate name mismatch: the certificate is not for \"{}\" "
                                              "({}); connect by a name it holds, or set tls_verify = false",
                                              node, host, reason));
    return Error(Errc::refused, fmt::format("{}: TLS certificate not trusted: {}; give its CA as tls_ca_file, or "
                                            "set tls_verify = false", node, reason));
  }
  return Error(ec, fmt::format("{}: TLS handshake failed: {} (is it an RTMPS port?)", node, ec.message()));
}

asio::awaitable<ClientTransport::ReadResult> ClientTransport::read_some(asio::mutable_buffer buffer) {
  if (tls_) return tls_->stream.async_read_some(buffer, use_tuple);
  return socket_.async_read_some(buffer, use_tuple);
}

asio::awaitable<ClientTransport::ReadResult> ClientTransport::write(std::vector<asio::const_buffer> buffers) {
  if (tls_ && buffers.size() > 1) {
    // One SSL_write, so one run of TLS records and one socket write, rather than one
    // per piece (RTMP chunk headers are a few bytes each); the copy is small next to
    // the encryption. Writes do not overlap, so one staging buffer serves them all.
    tls_->staging.resize(asio::buffer_size(buffers));
    asio::buffer_copy(asio::buffer(tls_->staging), buffers);
    return asio::async_write(tls_->stream, asio::buffer(tls_->staging), use_tuple);
  }
  if (tls_) return asio::async_write(tls_->stream, buffers, use_tuple);
  return asio::async_write(socket_, buffers, use_tuple);
}

asio::awaitable<std::tuple<boost::system::error_code>> ClientTransport::shutdown() {
  return tls_->stream.async_shutdown(use_tuple);
}

void ClientTransport::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace relaycast::relay

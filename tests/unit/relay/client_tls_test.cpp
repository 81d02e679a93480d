#include "relay/client_tls.hpp"

#include <gtest/gtest.h>

namespace relaycast::relay {
namespace {

int verify_mode(const boost::asio::ssl::context& c) {
  return SSL_CTX_get_verify_mode(const_cast<boost::asio::ssl::context&>(c).native_handle());
}

TEST(ClientTls, VerifiesAgainstTheSystemStoreByDefault) {
  auto c = make_client_tls_context({});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(verify_mode(**c) & SSL_VERIFY_PEER);
}

TEST(ClientTls, VerificationCanBeTurnedOff) {
  auto c = make_client_tls_context({.verify = false, .ca_file = ""});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(verify_mode(**c), SSL_VERIFY_NONE);
}

TEST(ClientTls, AnUnreadableCaFileIsAConfigErrorNamingIt) {
  auto c = make_client_tls_context({.verify = true, .ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(Errc::config));
  EXPECT_NE(c.error().message().find("tls_ca_file /nonexistent/ca.pem"), std::string::npos) << c.error().message();
}

}  // namespace
}  // namespace relaycast::relay

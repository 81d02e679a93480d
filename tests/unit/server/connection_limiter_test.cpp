#include "server/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace relaycast {
namespace {

using Ticket = std::unique_ptr<ConnectionLimiter::Ticket>;

bool mentions(const Error& e, std::string_view part) { return e.message().find(part) != std::string::npos; }

TEST(ConnectionLimiter, AdmitsUpToTheTotalThenRefuses) {
  auto limiter = std::make_shared<ConnectionLimiter>(3, 10);
  std::vector<Ticket> held;
  for (int i = 0; i < 3; ++i) {
    auto t = limiter->admit("10.0.0." + std::to_string(i));
    ASSERT_TRUE(t) << t.error().message();
    held.push_back(std::move(*t));
  }
  EXPECT_EQ(limiter->open(), 3u);
  auto refused = limiter->admit("10.0.0.9");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::too_large));
  EXPECT_TRUE(mentions(refused.error(), "server.max_connections")) << refused.error().message();
  EXPECT_EQ(limiter->refused(), 1u);
  EXPECT_EQ(limiter->open(), 3u) << "a refusal holds no place";
}

TEST(ConnectionLimiter, DestroyingATicketFreesItsPlace) {
  auto limiter = std::make_shared<ConnectionLimiter>(2, 10);
  auto a = limiter->admit("10.0.0.1");
  auto b = limiter->admit("10.0.0.2");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter->admit("10.0.0.3"));
  a->reset();
  EXPECT_EQ(limiter->open(), 1u);
  auto c = limiter->admit("10.0.0.3");
  EXPECT_TRUE(c);
  EXPECT_EQ(limiter->open(), 2u);
}

TEST(ConnectionLimiter, PerAddressLimitLeavesOtherAddressesIn) {
  auto limiter = std::make_shared<ConnectionLimiter>(100, 2);
  auto a1 = limiter->admit("192.0.2.1");
  auto a2 = limiter->admit("192.0.2.1");
  ASSERT_TRUE(a1 && a2);
  auto a3 = limiter->admit("192.0.2.1");
  ASSERT_FALSE(a3);
  EXPECT_TRUE(a3.error().is(Errc::too_large));
  EXPECT_TRUE(mentions(a3.error(), "server.max_connections_per_ip")) << a3.error().message();
  auto b1 = limiter->admit("192.0.2.2");
  EXPECT_TRUE(b1) << "another address is not affected";
  EXPECT_EQ(limiter->open(), 3u);
  EXPECT_EQ(limiter->refused(), 1u);

  a1->reset();
  auto a4 = limiter->admit("192.0.2.1");
  EXPECT_TRUE(a4) << "the address got its place back";
  EXPECT_FALSE(limiter->admit("192.0.2.1"));
}

TEST(ConnectionLimiter, AllTicketsGoneMeansNothingOpen) {
  auto limiter = std::make_shared<ConnectionLimiter>(5, 5);
  {
    std::vector<Ticket> held;
    for (int i = 0; i < 5; ++i) held.push_back(std::move(*limiter->admit("a")));
    EXPECT_FALSE(limiter->admit("a"));
    EXPECT_FALSE(limiter->admit("b"));
  }
  EXPECT_EQ(limiter->open(), 0u);
  // Both limits are back to full.
  std::vector<Ticket> again;
  for (int i = 0; i < 5; ++i) {
    auto t = limiter->admit("a");
    ASSERT_TRUE(t) << i << ": " << t.error().message();
    again.push_back(std::move(*t));
  }
}

TEST(ConnectionLimiter, TicketKeepsTheLimiterAlive) {
  auto limiter = std::make_shared<ConnectionLimiter>(1, 1);
  std::weak_ptr<ConnectionLimiter> weak = limiter;
  auto t = limiter->admit("a");
  ASSERT_TRUE(t);
  limiter.reset();
  EXPECT_FALSE(weak.expired()) << "the ticket releases into a live limiter";
  t->reset();
  EXPECT_TRUE(weak.expired());
}

TEST(ConnectionLimiter, LimitsHoldUnderConcurrentAdmitsAndReleases) {
  constexpr uint32_t kTotal = 10, kPerIp = 3;
  constexpr int kThreads = 12, kAddresses = 4, kRounds = 5000;
  auto limiter = std::make_shared<ConnectionLimiter>(kTotal, kPerIp);
  auto address = [](int ip) { return "10.0.0." + std::to_string(ip); };
  std::atomic<int> held_total{0}, over_total{0}, over_ip{0};
  std::atomic<int> held_per_ip[kAddresses] = {};
  // Address 0 is full before the threads start: every one of its admits is refused.
  std::vector<Ticket> full;
  for (uint32_t i = 0; i < kPerIp; ++i) full.push_back(std::move(*limiter->admit(address(0))));
  held_total = int(kPerIp);
  held_per_ip[0] = int(kPerIp);

  std::vector<std::thread> threads;
  for (int n = 0; n < kThreads; ++n) {
    threads.emplace_back([&, n] {
      const int ip = n % kAddresses;
      for (int i = 0; i < kRounds; ++i) {
        auto t = limiter->admit(address(ip));
        if (!t) continue;
        if (++held_total > int(kTotal)) ++over_total;
        if (++held_per_ip[ip] > int(kPerIp)) ++over_ip;
        std::this_thread::yield();
        --held_per_ip[ip];
        --held_total;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(over_total.load(), 0) << "more than max_total tickets were out at once";
  EXPECT_EQ(over_ip.load(), 0) << "more than max_per_ip tickets for one address were out at once";
  EXPECT_GE(limiter->refused(), uint64_t(kThreads / kAddresses) * kRounds) << "address 0 was full throughout";
  EXPECT_EQ(limiter->open(), kPerIp);
  full.clear();
  EXPECT_EQ(limiter->open(), 0u) << "every release was counted";
}

}  // namespace
}  // namespace relaycast

// The verified-password cache and the bound on concurrent argon2id runs (issue 13): a cached login
// skips argon2id, a changed password or a failed attempt is never answered from the cache, and a
// login that finds every hash slot taken is told "busy" rather than tying up a worker.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/auth.h"
#include "sync/service.h"

namespace qblink::sync {
namespace {

// authenticate's status ("ticket" when it issued one) and the argon2id runs it took.
using Login = std::pair<std::string, std::uint64_t>;

class AuthCacheTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  std::int64_t now = 1'700'000'000;
  Service service{store, ServiceOptions{}, [this] { return now; }};

  void SetUp() override {
    test::seed_tenant(store, "alice", "right-pw", {test::customer("A1", "Alice Customer")});
  }
  // The status authenticate answers, and how many argon2id verifications it ran.
  Login login(const std::string& password, const std::string& client = "10.0.0.1") {
    const auto before = password_verifications();
    const auto r = service.authenticate("alice", password, client);
    return {r[0].empty() ? r[1] : "ticket", password_verifications() - before};
  }
};

TEST_F(AuthCacheTest, CachedLoginSkipsArgon2idAndIsFast) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  EXPECT_EQ(login("right-pw"), Login("ticket", 1));
  const auto first = Clock::now() - t0;
  now += 60;
  t0 = Clock::now();
  EXPECT_EQ(login("right-pw"), Login("ticket", 0));
  const auto cached = Clock::now() - t0;
  EXPECT_LT(cached, first);  // loose on purpose: the count above is the real check
}

TEST_F(AuthCacheTest, EntryExpires) {
  EXPECT_EQ(login("right-pw").second, 1u);
  now += 10 * 60;  // the default lifetime
  EXPECT_EQ(login("right-pw"), Login("ticket", 1));
}

TEST_F(AuthCacheTest, WrongPasswordIsNeverAnsweredFromTheCache) {
  EXPECT_EQ(login("right-pw").second, 1u);
  EXPECT_EQ(login("wrong-pw"), Login("nvu", 1));
}

TEST_F(AuthCacheTest, FailedAttemptDropsTheEntry) {
  EXPECT_EQ(login("right-pw").second, 1u);
  EXPECT_EQ(login("wrong-pw", "10.9.9.9").first, "nvu");
  // The right password again, from the real address: argon2id again, not the cache.
  EXPECT_EQ(login("right-pw"), Login("ticket", 1));
  EXPECT_EQ(login("right-pw"), Login("ticket", 0));
}

TEST_F(AuthCacheTest, ChangedPasswordIsNotAcceptedFromTheCache) {
  EXPECT_EQ(login("right-pw").second, 1u);
  {
    auto tx = store.begin(true);
    tx->set_password_hash(tx->tenant_by_name("alice")->id, hash_password("new-pw"));
    tx->commit();
  }
  EXPECT_EQ(login("right-pw"), Login("nvu", 1));
  EXPECT_EQ(login("new-pw"), Login("ticket", 1));
  EXPECT_EQ(login("new-pw"), Login("ticket", 0));
}

TEST_F(AuthCacheTest, SameHashOfAnotherTenantDoesNotShareTheEntry) {
  // Two tenants with the same stored hash (impossible with salts, but the key says tenant too).
  VerifiedPasswords cache(600);
  cache.remember(1, "$argon2id$same", "pw", now);
  EXPECT_TRUE(cache.check(1, "$argon2id$same", "pw", now));
  EXPECT_FALSE(cache.check(2, "$argon2id$same", "pw", now));
  EXPECT_FALSE(cache.check(1, "$argon2id$same", "pw2", now));
  EXPECT_FALSE(cache.check(1, "$argon2id$other", "pw", now));
  EXPECT_FALSE(cache.check(1, "$argon2id$same", "pw", now));  // dropped by the changed hash
}

TEST_F(AuthCacheTest, DisabledCacheAlwaysVerifies) {
  ServiceOptions o;
  o.verified_password_seconds = 0;
  Service strict{store, o, [this] { return now; }};
  for (int i = 0; i < 2; ++i) {
    const auto before = password_verifications();
    EXPECT_FALSE(strict.authenticate("alice", "right-pw", "10.0.0.1")[0].empty());
    EXPECT_EQ(password_verifications() - before, 1u);
  }
}

TEST(HashGateTest, BoundsRunningAndWaiting) {
  HashGate gate(2, 1, std::chrono::milliseconds(50));
  auto a = gate.acquire();
  auto b = gate.acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  // A third waits (the one allowed waiter) and gives up after the wait: busy.
  EXPECT_FALSE(gate.acquire());
  // With the waiter slot taken, a fourth is refused at once.
  std::atomic<bool> waiter_got{false};
  std::thread waiter([&] { waiter_got = static_cast<bool>(gate.acquire()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(gate.acquire());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40));
  { auto released = std::move(a); }  // frees a slot: the waiter gets it
  waiter.join();
  EXPECT_TRUE(waiter_got);
}

TEST_F(AuthCacheTest, LoginFloodGetsBusyNotAWorker) {
  ServiceOptions o;
  o.max_concurrent_hashes = 1;
  o.max_waiting_hashes = 1;  // as `qblink serve --workers 3` sets it
  Service small{store, o, [this] { return now; }};
  std::atomic<int> busy{0}, refused{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 8; ++i)
    flood.emplace_back([&, i] {
      const auto r = small.authenticate("nobody-" + std::to_string(i), "guess", "10.1.1.1");
      (r[1] == "busy" ? busy : refused)++;
    });
  for (auto& t : flood) t.join();
  EXPECT_EQ(busy + refused, 8);
  EXPECT_GE(refused, 1);
  EXPECT_GE(busy, 1);  // 8 at once, 1 running and 1 waiting: the rest are told to come back
}

}  // namespace
}  // namespace qblink::sync

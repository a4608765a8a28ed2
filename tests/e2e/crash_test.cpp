// The real `qblink serve` process killed with SIGKILL between sending an add batch and hearing
// its response: after a restart the next session is served at once and nothing is added twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "e2e/harness.h"
#include "http/client.h"
#include "support/tenant.h"

namespace qblink::test {
namespace {

using reconcile::AccountKind;

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A `qblink serve` child process; SIGKILLed by kill() or at destruction.
class ServerProcess {
 public:
  ServerProcess(const std::string& db, unsigned short port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string listen = "127.0.0.1:" + std::to_string(port);
      execl(QBLINK_BINARY, QBLINK_BINARY, "--db", db.c_str(), "serve", "--listen", listen.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        http::Client c("http://127.0.0.1:" + std::to_string(port) + "/health");
        if (c.get("/health").status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("qblink serve did not come up");
  }
  ~ServerProcess() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

TEST(Crash, SigkillAfterAnAddBatchLeavesNoDuplicateAndTheNextSessionIsServedAtOnce) {
  TestDatabase database(e2e_engine());
  const std::string db = database.db();
  std::string owner;
  {
    auto opened = store::open(db);
    store::Store& store = *opened;
    owner = seed_tenant(store, "acme", "secret-pw", {customer("C1", "Greenway Pest Control")});
  }
  auto company = company_from(R"({"customers": [{"name": "Acme Ltd"}]})");
  sim::FakeQuickBooks qb(company);
  const auto port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/qbwc";
  sim::WebConnectorOptions o;
  o.url = url;
  o.user = "acme";
  o.password = "secret-pw";
  o.owner_id = owner;
  o.noop_pause_ms = 0;

  auto server = std::make_unique<ServerProcess>(db, port);
  {
    auto lost = o;
    lost.drop_response_at = 5;  // four list queries, then the add batch
    sim::WebConnector wc(lost, qb);
    EXPECT_FALSE(wc.run_session().ok);
  }
  ASSERT_EQ(count_named(company.customers, "Greenway Pest Control"), 1u)
      << "QuickBooks applied the batch before the crash";
  server->kill();  // the server dies with the add sent and unanswered

  server = std::make_unique<ServerProcess>(db, port);
  const auto start = std::chrono::steady_clock::now();
  sim::WebConnector wc(o, qb);
  const auto r = wc.run_session();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_LT(took, std::chrono::seconds(10)) << "no stale lock or session to wait out";
  EXPECT_EQ(count_named(company.customers, "Greenway Pest Control"), 1u) << "no duplicate";
  auto after = store::open(db);
  auto tx = after->begin(false);
  const auto acc = tx->account(tx->tenant_by_name("acme")->id, AccountKind::Customer, "C1");
  EXPECT_EQ(acc->status, "linked");
}

}  // namespace
}  // namespace qblink::test

// Webhooks end to end: a tenant sets its webhook over the API, a simulated Web Connector runs a
// session against the real server, and the deliverer's background thread POSTs the signed run
// report to a loopback receiver. The receiver holds its answer until the test lets it go: the
// session must have finished first, so the Web Connector never waits for the receiver.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/api.h"
#include "api/webhooks.h"
#include "e2e/harness.h"
#include "http/client.h"

namespace qblink::test {
namespace {

using nlohmann::json;

// Answers every POST only once released, or after 20 s (so a broken test cannot hang), noting
// that it gave up waiting: a session that waited for the receiver would finish only then.
class SlowReceiver {
 public:
  SlowReceiver() {
    http::ServerOptions o;
    o.port = 0;
    o.worker_threads = 2;
    server_ = std::make_unique<http::Server>(o, [this](const http::Request& r) {
      std::unique_lock lock(mutex_);
      requests_.push_back(r);
      changed_.notify_all();
      if (!changed_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; }))
        timed_out_ = true;
      http::Response a;
      a.content_type = "text/plain";
      return a;
    });
    server_->start();
  }
  ~SlowReceiver() {
    release();
    server_->stop();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  // Waits up to 30 s for the n-th request.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return requests_.size() >= n; });
  }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  bool timed_out() {
    std::lock_guard lock(mutex_);
    return timed_out_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false, timed_out_ = false;
  std::vector<http::Request> requests_;
  std::unique_ptr<http::Server> server_;
};

TEST(WebhookFlow, ARunPostsASignedReportWithoutWaitingForTheReceiver) {
  Harness h;
  auto company = company_from(
      R"({"customers":[{"name":"Acme Plumbing"},{"name":"Bolt Electric"},{"name":"Cobalt Roofing"}]})");
  sim::FakeQuickBooks qb(company);
  h.add_tenant("acme");
  h.add_accounts("acme", reconcile::AccountKind::Customer,
                 {{"A1", "Acme Plumbing", ""}, {"B1", "Bolt Electric", ""}});
  const auto token = api::create_token(*h.store, std::string("acme"), "app", 1).token;
  SlowReceiver receiver;
  http::Client client(h.url);
  const auto set = client.request("PUT", "/api/v1/webhook", json{{"url", receiver.url()}}.dump(),
                                  {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(set.status, 200u) << set.body;
  const auto secret = json::parse(set.body)["secret"].get<std::string>();

  api::DelivererOptions o;
  o.poll = std::chrono::milliseconds(20);
  api::Deliverer deliverer(*h.store, o);
  deliverer.start();

  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto result = wc.run_session();
  ASSERT_TRUE(result.ok) << result.error;
  // The session is over while the receiver holds its answer (it may not even have been called).
  EXPECT_FALSE(receiver.timed_out());
  ASSERT_TRUE(receiver.wait_for(1)) << "the deliverer never posted";
  receiver.release();

  const auto r = receiver.requests().front();
  const auto stamp = r.header(api::kTimestampHeader);
  EXPECT_EQ(r.header(api::kSignatureHeader), api::webhook_signature(secret, stamp, r.body));
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["event"], "run.finished");
  EXPECT_EQ(body["run"]["outcome"], "ok");
  EXPECT_EQ(body["run"]["linked"], 2);
  std::map<std::string, std::string> list_ids;
  for (const auto& a : body["accounts"])
    list_ids[a["account_id"].get<std::string>()] = a["list_id"].get<std::string>();
  ASSERT_EQ(list_ids.size(), 2u) << body;
  EXPECT_FALSE(list_ids["A1"].empty());
  EXPECT_FALSE(list_ids["B1"].empty());

  // Delivered, once.
  const auto acme = h.store->begin(false)->tenant_by_name("acme")->id;
  std::vector<store::Delivery> d;
  for (int i = 0; i < 1500; ++i) {
    d = h.store->begin(false)->deliveries(acme, 5);
    if (!d.empty() && d[0].state == store::DeliveryState::Delivered) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, store::DeliveryState::Delivered);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

}  // namespace
}  // namespace qblink::test

// Webhooks: set through the API, delivered by api::Deliverer to a real HTTP receiver on loopback
// (signature, body, retry after a 500, giving up, a restart losing nothing), and the store's
// claim that keeps two servers from sending one delivery twice.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "admin/service.h"
#include "api/api.h"
#include "api/webhooks.h"
#include "http/server.h"
#include "store/guid.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink {
namespace {

using json = nlohmann::json;

// A loopback HTTP server that records every request and answers with the next queued status
// (200 once the queue is empty).
class Receiver {
 public:
  Receiver() {
    http::ServerOptions o;
    o.port = 0;
    o.worker_threads = 1;
    server_ = std::make_unique<http::Server>(o, [this](const http::Request& r) {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
      http::Response a;
      a.content_type = "text/plain";
      a.status = statuses_.empty() ? 200 : statuses_.front();
      if (!statuses_.empty()) statuses_.erase(statuses_.begin());
      return a;
    });
    server_->start();
  }
  ~Receiver() { server_->stop(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hooks/qblink?x=1";
  }
  void answer(std::vector<unsigned> statuses) {
    std::lock_guard lock(mutex_);
    statuses_ = std::move(statuses);
  }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  std::vector<unsigned> statuses_;
  std::vector<http::Request> requests_;
  std::unique_ptr<http::Server> server_;
};

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::SqliteStore>((dir_ / "hooks.db").string());
    service_ = std::make_unique<admin::Service>(*store_, [this] { return now_; });
    api::Options o;
    o.clock = [this] { return now_; };
    api_ = std::make_unique<api::Api>(*service_, *store_, o);
    for (const char* user : {"acme", "bolt"}) {
      auto tx = store_->begin(true);
      store::Tenant t;
      t.username = user;
      t.password_hash = "x";
      t.file_id = store::make_guid();
      tx->add_tenant(t);
      tx->commit();
    }
    acme_ = store_->begin(false)->tenant_by_name("acme")->id;
    acme_token_ = api::create_token(*store_, "acme", "app", now_).token;
    bolt_token_ = api::create_token(*store_, "bolt", "app", now_).token;
    admin_token_ = api::create_token(*store_, std::nullopt, "ops", now_).token;
  }

  std::pair<unsigned, json> call(const std::string& method, const std::string& target,
                                 const std::string& token, const json& body = nullptr) {
    api::Call c;
    c.method = method;
    c.target = target;
    c.remote = "192.0.2.7";
    c.authorization = "Bearer " + token;
    if (!body.is_null()) {
      c.body = body.dump();
      c.content_type = "application/json";
    }
    const auto r = api_->handle(c);
    return {r.status, json::parse(r.body, nullptr, false)};
  }

  api::DelivererOptions deliverer_options() {
    api::DelivererOptions o;
    o.clock = [this] { return now_; };
    o.first_retry_seconds = 30;
    o.max_attempts = 3;
    return o;
  }

  // A finished run of acme's that linked C1 and C2 (C0 changed before it), with its delivery
  // queued as sync's end_run queues it.
  store::RunId finished_run() {
    auto tx = store_->begin(true);
    store::AccountRow a;
    a.account_id = "C0";
    a.name = "Before The Run";
    tx->upsert_account(acme_, a);
    const auto mark = tx->last_account_change(acme_);
    const auto run = tx->start_run(acme_, now_);
    for (const char* id : {"C1", "C2"}) {
      a.account_id = id;
      a.name = std::string("Customer \"") + id + "\"";
      tx->upsert_account(acme_, a);
      tx->link_account(acme_, a.kind, id, std::string("8000-") + id, a.name, "exact", "ListID");
    }
    store::RunRow r;
    r.id = run;
    r.tenant_id = acme_;
    r.started_at = now_;
    r.ended_at = now_ + 5;
    r.outcome = "ok";
    r.linked = 2;
    tx->finish_run(r);
    store::Delivery d;
    d.tenant_id = acme_;
    d.run_id = run;
    d.changed_after = mark;
    d.changed_upto = tx->last_account_change(acme_);
    d.next_at = d.created_at = now_;
    tx->enqueue_delivery(d);
    tx->commit();
    return run;
  }

  std::vector<store::Delivery> deliveries() { return store_->begin(false)->deliveries(acme_, 10); }

  test::TempDir dir_;
  std::int64_t now_ = 1'800'000'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<admin::Service> service_;
  std::unique_ptr<api::Api> api_;
  store::TenantId acme_ = 0;
  std::string acme_token_, bolt_token_, admin_token_;
  Receiver receiver_;
};

TEST_F(WebhookTest, SignedPostCarriesTheRunsCountsAndChangedAccounts) {
  auto [status, hook] = call("PUT", "/api/v1/webhook", acme_token_, {{"url", receiver_.url()}});
  ASSERT_EQ(status, 200u) << hook;
  const auto secret = hook["secret"].get<std::string>();
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  const auto run = finished_run();

  api::Deliverer deliverer(*store_, deliverer_options());
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  const auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 1u);
  const auto& r = got[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hooks/qblink?x=1");
  EXPECT_EQ(r.content_type, "application/json");
  const auto stamp = r.header(api::kTimestampHeader);
  EXPECT_EQ(stamp, std::to_string(now_));
  EXPECT_EQ(r.header(api::kSignatureHeader), api::webhook_signature(secret, stamp, r.body));
  // The timestamp is signed: the same body under another timestamp has another signature.
  EXPECT_NE(r.header(api::kSignatureHeader),
            api::webhook_signature(secret, std::to_string(now_ + 1), r.body));
  EXPECT_EQ(r.header(api::kEventHeader), "run.finished");

  const auto body = json::parse(r.body);
  EXPECT_EQ(body["event"], "run.finished");
  EXPECT_EQ(body["user"], "acme");
  EXPECT_EQ(body["run"]["id"], run);
  EXPECT_EQ(body["run"]["linked"], 2);
  EXPECT_EQ(body["run"]["outcome"], "ok");
  ASSERT_EQ(body["accounts"].size(), 2u) << body;  // C0 changed before the run
  EXPECT_EQ(body["accounts"][0]["account_id"], "C1");
  EXPECT_EQ(body["accounts"][0]["status"], "linked");
  EXPECT_EQ(body["accounts"][0]["list_id"], "8000-C1");
  EXPECT_EQ(body["accounts"][1]["name"], "Customer \"C2\"");
  EXPECT_EQ(body["accounts_truncated"], false);

  const auto d = deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, store::DeliveryState::Delivered);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(deliverer.deliver_due(), 0u);  // delivered once only
}

TEST_F(WebhookTest, A500IsRetriedWithBackOffThenGivenUp) {
  auto [status, hook] = call("PUT", "/api/v1/webhook", acme_token_,
                             {{"url", receiver_.url()}, {"secret", "a-secret-of-our-own"}});
  ASSERT_EQ(status, 200u);
  EXPECT_EQ(hook["secret"], "a-secret-of-our-own");
  finished_run();
  receiver_.answer({500});
  api::Deliverer deliverer(*store_, deliverer_options());
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  auto d = deliveries();
  EXPECT_EQ(d[0].state, store::DeliveryState::Pending);
  EXPECT_EQ(d[0].last_status, 500);
  EXPECT_EQ(d[0].next_at, now_ + 30);
  EXPECT_EQ(deliverer.deliver_due(), 0u);  // not due yet
  now_ += 30;
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  auto got = receiver_.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body, got[0].body);  // the same bytes, signed again with the new time
  EXPECT_EQ(got[1].header(api::kSignatureHeader),
            api::webhook_signature("a-secret-of-our-own", std::to_string(now_), got[1].body));
  d = deliveries();
  EXPECT_EQ(d[0].state, store::DeliveryState::Delivered);
  EXPECT_EQ(d[0].attempts, 2);

  // A receiver that never says yes: 30 s, then 60 s, then given up after 3 attempts.
  finished_run();
  receiver_.answer({500, 503, 500});
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  now_ += 30;
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  now_ += 59;
  EXPECT_EQ(deliverer.deliver_due(), 0u);
  now_ += 1;
  EXPECT_EQ(deliverer.deliver_due(), 1u);
  d = deliveries();
  EXPECT_EQ(d[0].state, store::DeliveryState::Failed);
  EXPECT_EQ(d[0].attempts, 3);
  now_ += 100'000;
  EXPECT_EQ(deliverer.deliver_due(), 0u);
  // The API shows it.
  const auto [s, view] = call("GET", "/api/v1/webhook", acme_token_);
  ASSERT_EQ(s, 200u);
  EXPECT_EQ(view["url"], receiver_.url());
  EXPECT_FALSE(view.contains("secret"));
  EXPECT_EQ(view["deliveries"][0]["state"], "failed");
  EXPECT_EQ(view["deliveries"][0]["last_status"], 500);
  EXPECT_EQ(view["deliveries"][1]["state"], "delivered");
}

TEST_F(WebhookTest, AnUnreachableReceiverIsRetriedAndARestartLosesNothing) {
  // Nothing listens on the receiver's port once it is stopped: connection refused.
  std::string url;
  {
    Receiver gone;
    url = gone.url();
  }
  ASSERT_EQ(call("PUT", "/api/v1/webhook", acme_token_, {{"url", url}}).first, 200u);
  finished_run();
  {
    api::Deliverer first(*store_, deliverer_options());
    EXPECT_EQ(first.deliver_due(), 1u);
  }
  auto d = deliveries();
  EXPECT_EQ(d[0].state, store::DeliveryState::Pending);
  EXPECT_EQ(d[0].last_status, 0);
  EXPECT_FALSE(d[0].last_error.empty());
  // A new process on the same file, the URL fixed: the delivery goes out.
  ASSERT_EQ(call("PUT", "/api/v1/webhook", acme_token_, {{"url", receiver_.url()}}).first, 200u);
  store_ = std::make_unique<store::SqliteStore>((dir_ / "hooks.db").string());
  now_ += 30;
  api::Deliverer second(*store_, deliverer_options());
  EXPECT_EQ(second.deliver_due(), 1u);
  EXPECT_EQ(receiver_.requests().size(), 1u);
  EXPECT_EQ(deliveries()[0].state, store::DeliveryState::Delivered);
}

TEST_F(WebhookTest, AClaimedDeliveryIsNotClaimedTwice) {
  ASSERT_EQ(call("PUT", "/api/v1/webhook", acme_token_, {{"url", receiver_.url()}}).first, 200u);
  finished_run();
  auto tx = store_->begin(true);
  EXPECT_EQ(tx->claim_deliveries(now_, now_ + 300, 10).size(), 1u);
  EXPECT_TRUE(tx->claim_deliveries(now_, now_ + 300, 10).empty());         // leased
  EXPECT_EQ(tx->claim_deliveries(now_ + 300, now_ + 600, 10).size(), 1u);  // lease over
}

TEST_F(WebhookTest, RoutesCheckTheUrlTheTokenAndTheTenant) {
  // https only, except loopback; no credentials in the URL; no unknown fields.
  for (const char* bad : {"http://example.com/hook", "ftp://127.0.0.1/x", "https://", "not a url",
                          "https://user:pw@example.com/hook"}) {
    const auto [s, p] = call("PUT", "/api/v1/webhook", acme_token_, {{"url", bad}});
    EXPECT_EQ(s, 422u) << bad << " " << p;
  }
  EXPECT_EQ(call("PUT", "/api/v1/webhook", acme_token_,
                 {{"url", "https://example.com/h"}, {"secret", "short"}})
                .first,
            422u);
  EXPECT_EQ(
      call("PUT", "/api/v1/webhook", acme_token_, {{"url", "https://example.com/h"}, {"x", 1}})
          .first,
      422u);
  EXPECT_EQ(call("GET", "/api/v1/webhook", acme_token_).first, 404u);  // none yet
  ASSERT_EQ(call("PUT", "/api/v1/webhook", acme_token_, {{"url", "https://example.com/h"}}).first,
            200u);
  // Another tenant's token sees its own (none) and cannot name acme.
  EXPECT_EQ(call("GET", "/api/v1/webhook", bolt_token_).first, 404u);
  EXPECT_EQ(call("GET", "/api/v1/webhook?user=acme", bolt_token_).first, 403u);
  EXPECT_EQ(call("DELETE", "/api/v1/webhook?user=acme", bolt_token_).first, 403u);
  EXPECT_EQ(call("PUT", "/api/v1/webhook", bolt_token_,
                 {{"url", "https://evil.example/h"}, {"user", "acme"}})
                .first,
            403u);
  // The admin token names the tenant.
  EXPECT_EQ(call("GET", "/api/v1/webhook", admin_token_).first, 422u);
  auto [s, view] = call("GET", "/api/v1/webhook?user=acme", admin_token_);
  ASSERT_EQ(s, 200u);
  EXPECT_EQ(view["url"], "https://example.com/h");
  ASSERT_EQ(call("PUT", "/api/v1/webhook", admin_token_,
                 {{"url", "https://example.com/other"}, {"user", "bolt"}})
                .first,
            200u);
  EXPECT_EQ(call("GET", "/api/v1/webhook", bolt_token_).second["url"], "https://example.com/other");
  EXPECT_EQ(call("DELETE", "/api/v1/webhook", acme_token_).first, 200u);
  EXPECT_EQ(call("DELETE", "/api/v1/webhook", acme_token_).first, 404u);
  EXPECT_EQ(call("GET", "/api/v1/webhook?user=nobody", admin_token_).first, 404u);
}

}  // namespace
}  // namespace qblink

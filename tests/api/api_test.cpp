// The JSON API in process: real SQLite, the real admin::Service, requests through Api::handle and
// through an http::Router.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "admin/service.h"
#include "api/api.h"
#include "http/router.h"
#include "store/guid.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink {
namespace {

using json = nlohmann::json;
using reconcile::AccountKind;

constexpr const char* kProblems = "https://qblink.dev/problems/";

struct Answer {
  unsigned status = 0;
  std::string content_type;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw;
  std::string type() const {
    return body.is_object() && body.contains("type") ? body["type"].get<std::string>() : "";
  }
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::SqliteStore>((dir_ / "api.db").string());
    service_ = std::make_unique<admin::Service>(*store_, [this] { return now_; });
    api::Options o;
    o.clock = [this] { return now_; };
    o.body_limit = 4 << 20;
    o.failed_auth_limit = 5;
    api_ = std::make_unique<api::Api>(*service_, *store_, o);
    acme_ = add_tenant("acme");
    bolt_ = add_tenant("bolt");
    acme_token_ = api::create_token(*store_, "acme", "app", now_).token;
    bolt_token_ = api::create_token(*store_, "bolt", "app", now_).token;
    admin_token_ = api::create_token(*store_, std::nullopt, "ops", now_).token;
  }

  store::TenantId add_tenant(const std::string& user) {
    auto tx = store_->begin(true);
    store::Tenant t;
    t.username = user;
    t.password_hash = "x";  // never used to log in here
    t.file_id = store::make_guid();
    const auto id = tx->add_tenant(t);
    tx->owner_id();
    tx->commit();
    return id;
  }

  Answer call(const std::string& method, const std::string& target, const std::string& token,
              const std::string& body = "", const std::string& content_type = "application/json",
              const std::string& remote = "192.0.2.1") {
    api::Call c;
    c.method = method;
    c.target = target;
    c.body = body;
    c.content_type = body.empty() && method == "GET" ? "" : content_type;
    c.remote = remote;
    if (!token.empty()) c.authorization = "Bearer " + token;
    const auto r = api_->handle(c);
    Answer a;
    a.status = r.status;
    a.content_type = r.content_type;
    a.headers = r.headers;
    a.raw = r.body;
    a.body = json::parse(r.body, nullptr, false);
    return a;
  }
  Answer get(const std::string& target, const std::string& token) {
    return call("GET", target, token);
  }
  Answer send(const std::string& method, const std::string& target, const std::string& token,
              const json& body) {
    return call(method, target, token, body.dump());
  }

  static json accounts_body(const std::string& kind, int from, int n,
                            const std::string& prefix = "C") {
    json rows = json::array();
    for (int i = from; i < from + n; ++i)
      rows.push_back({{"account_id", prefix + std::to_string(i)},
                      {"name", "Customer " + std::to_string(i)},
                      {"email", "c" + std::to_string(i) + "@example.com"}});
    return {{"kind", kind}, {"accounts", rows}};
  }

  std::int64_t count(store::TenantId t) { return store_->begin(false)->account_count(t); }

  // One Web Connector run's worth of state, written as the sync layer would.
  void seed_run_state(store::TenantId t) {
    auto tx = store_->begin(true);
    store::QbRow e1{reconcile::QbList::Customer,
                    "80000001-1",
                    "Acme Plumbing Ltd",
                    "Acme Plumbing Ltd",
                    "",
                    "1",
                    "",
                    true};
    e1.phone = "555-0100";
    store::QbRow e2{
        reconcile::QbList::Customer, "80000002-1", "Zed Co", "Zed Co", "", "1", "", true};
    store::QbRow e3{reconcile::QbList::Vendor,
                    "80000003-1",
                    "Bolt Supplies",
                    "Bolt Supplies",
                    "",
                    "1",
                    "",
                    false};
    const auto run = tx->start_run(t, now_ - 30);
    tx->upsert_entries(t, {e1, e2, e3}, run);
    store::AccountRow a;
    a.kind = AccountKind::Customer;
    a.account_id = "R1";
    a.name = "ACME plumbing ltd";
    tx->upsert_account(t, a);
    a.status = "review";
    a.candidates = R"([{"list":"customer","list_id":"80000001-1","full_name":"Acme Plumbing Ltd",)"
                   R"("is_active":true,"score":0.97,"strong":true,"evidence":["same phone"]}])";
    tx->save_account_state(t, a);
    store::AccountRow n;
    n.kind = AccountKind::Customer;
    n.account_id = "N1";
    n.name = "Brand New Ltd";
    tx->upsert_account(t, n);
    store::OutboxRow add;
    add.kind = AccountKind::Customer;
    add.account_id = "N1";
    add.name = "Brand New Ltd";
    add.state = store::AddState::Proposed;
    add.run_id = run;
    add.reason = "no QuickBooks name like it";
    tx->enqueue_add(t, add);
    tx->add_event(t, {0, run, now_ - 30, "info", "review", "customer", "R1", "held"});
    tx->add_event(t, {0, run, now_ - 30, "warn", "added", "customer", "N1", "waits"});
    store::RunRow r;
    r.id = run;
    r.tenant_id = t;
    r.started_at = now_ - 30;
    r.ended_at = now_ - 20;
    r.outcome = "ok";
    r.review = 1;
    tx->finish_run(r);
    tx->commit();
  }

  std::int64_t outbox_id(store::TenantId t) {
    auto rows = store_->begin(false)->outbox(t, store::AddState::Proposed, 10);
    return rows.empty() ? 0 : rows.front().id.value;
  }
  std::int64_t last_run(store::TenantId t) {
    auto rows = store_->begin(false)->runs(t, 1);
    return rows.empty() ? 0 : rows.front().id;
  }

  test::TempDir dir_;
  std::int64_t now_ = 1'800'000'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<admin::Service> service_;
  std::unique_ptr<api::Api> api_;
  store::TenantId acme_ = 0, bolt_ = 0;
  std::string acme_token_, bolt_token_, admin_token_;
};

TEST_F(ApiTest, OpenApiDocumentNamesEveryRouteAndNoOther) {
  const auto doc = json::parse(api::openapi_document());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> documented, registered;
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.emplace(m, path);
      EXPECT_TRUE(op.contains("responses")) << m << " " << path;
    }
  for (const auto& r : api::Api::routes()) registered.insert(r);
  EXPECT_EQ(documented, registered);
  // Every $ref resolves.
  std::function<void(const json&)> walk = [&](const json& j) {
    if (j.is_object()) {
      if (auto it = j.find("$ref"); it != j.end()) {
        const auto ptr = it->get<std::string>().substr(1);
        EXPECT_TRUE(doc.contains(json::json_pointer(ptr))) << ptr;
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
  const auto served = get("/api/v1/openapi.json", "");
  EXPECT_EQ(served.status, 200u);
  EXPECT_EQ(served.body, doc);
}

TEST_F(ApiTest, PushFiveThousandAccountsAndPollByChangeNumber) {
  auto r = send("POST", "/api/v1/accounts", acme_token_, accounts_body("customer", 0, 5000));
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["added"], 5000);
  // Idempotent: the same batch again changes nothing.
  r = send("POST", "/api/v1/accounts", acme_token_, accounts_body("customer", 0, 5000));
  EXPECT_EQ(r.body["unchanged"], 5000);

  std::set<std::string> seen;
  std::string target = "/api/v1/accounts?limit=700&changed_since=0";
  std::int64_t change = 0;
  int pages = 0;
  while (true) {
    r = get(target, acme_token_);
    ASSERT_EQ(r.status, 200u) << r.raw;
    ++pages;
    for (const auto& a : r.body["items"]) seen.insert(a["account_id"].get<std::string>());
    change = r.body["change"].get<std::int64_t>();
    if (r.body["next_cursor"].is_null()) break;
    target = "/api/v1/accounts?limit=700&cursor=" + r.body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(pages, 8);

  // Nothing new since; then three changes (one a link) show up, and only them.
  r = get("/api/v1/accounts?changed_since=" + std::to_string(change), acme_token_);
  EXPECT_TRUE(r.body["items"].empty());
  json three = accounts_body("customer", 10, 2);
  three["accounts"][0]["phone"] = "555";
  three["accounts"][1]["phone"] = "556";
  ASSERT_EQ(send("POST", "/api/v1/accounts", acme_token_, three).status, 200u);
  ASSERT_EQ(send("PUT", "/api/v1/account/link", acme_token_,
                 {{"kind", "customer"}, {"account_id", "C42"}, {"accounting_name", "Acme 42"}})
                .status,
            200u);
  r = get("/api/v1/accounts?changed_since=" + std::to_string(change), acme_token_);
  ASSERT_EQ(r.body["items"].size(), 3u);
  EXPECT_EQ(r.body["items"][2]["account_id"], "C42");
  EXPECT_EQ(r.body["items"][2]["accounting_name"], "Acme 42");
  // Filters by kind and status.
  r = get("/api/v1/accounts?kind=supplier", acme_token_);
  EXPECT_TRUE(r.body["items"].empty());
  r = get("/api/v1/accounts?status=pending&limit=5", acme_token_);
  EXPECT_EQ(r.body["items"].size(), 5u);
  // The other tenant sees none of them.
  r = get("/api/v1/accounts", bolt_token_);
  EXPECT_TRUE(r.body["items"].empty());
}

TEST_F(ApiTest, BatchIsAllOrNothingWithPerRowErrors) {
  json body = accounts_body("customer", 0, 5);
  body["accounts"][1]["name"] = "";
  body["accounts"][3]["nmae"] = "typo";
  body["accounts"][4]["phone"] = 5550100;
  auto r = send("POST", "/api/v1/accounts", acme_token_, body);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.type(), std::string(kProblems) + "validation");
  ASSERT_EQ(r.body["errors"].size(), 2u) << r.raw;  // shape errors first
  EXPECT_EQ(r.body["errors"][0]["row"], 4);
  EXPECT_EQ(r.body["errors"][0]["account_id"], "C3");
  EXPECT_NE(r.body["errors"][0]["message"].get<std::string>().find("'nmae'"), std::string::npos);
  EXPECT_EQ(r.body["errors"][1]["row"], 5);
  EXPECT_EQ(count(acme_), 0);

  body = accounts_body("customer", 0, 5);
  body["accounts"][1]["name"] = "";
  body["accounts"][2]["account_id"] = "C0";
  r = send("POST", "/api/v1/accounts", acme_token_, body);
  EXPECT_EQ(r.status, 422u);
  ASSERT_EQ(r.body["errors"].size(), 2u) << r.raw;  // the service's own validation
  EXPECT_EQ(r.body["errors"][0]["row"], 2);
  EXPECT_EQ(r.body["errors"][1]["row"], 3);
  EXPECT_EQ(count(acme_), 0);

  body = accounts_body("customer", 0, 3);
  body["dry_run"] = true;
  r = send("POST", "/api/v1/accounts", acme_token_, body);
  EXPECT_EQ(r.body["added"], 3);
  EXPECT_EQ(count(acme_), 0);
}

TEST_F(ApiTest, BadInputIsAClearProblemAndWritesNothing) {
  struct Case {
    std::string method, target, body, content_type;
    unsigned status;
    std::string type, mentions;
  };
  const std::string big(5 << 20, ' ');
  const std::vector<Case> cases = {
      {"POST", "/api/v1/accounts", "{\"kind\":", "application/json", 400, "malformed-json", "byte"},
      {"POST", "/api/v1/accounts", "[1,2]", "application/json", 422, "validation", "object"},
      {"POST", "/api/v1/accounts", R"({"kind":"customer","accounts":{}})", "application/json", 422,
       "validation", "array"},
      {"POST", "/api/v1/accounts", R"({"kind":7,"accounts":[]})", "application/json", 422,
       "validation", "'kind'"},
      {"POST", "/api/v1/accounts", R"({"kind":"customer","accounts":[],"force":true})",
       "application/json", 422, "validation", "'force'"},
      {"POST", "/api/v1/accounts", R"({"kind":"dog","accounts":[]})", "application/json", 422,
       "validation", "dog"},
      {"POST", "/api/v1/accounts", R"({"kind":"customer","accounts":[]})", "text/csv", 415,
       "unsupported-media-type", "application/json"},
      {"POST", "/api/v1/accounts", big, "application/json", 413, "payload-too-large", "bytes"},
      {"GET", "/api/v1/accounts?colour=red", "", "", 400, "bad-request", "'colour'"},
      {"GET", "/api/v1/accounts?limit=0", "", "", 400, "bad-request", "'limit'"},
      {"GET", "/api/v1/accounts?cursor=bm9wZQ", "", "", 400, "bad-request", "cursor"},
      {"GET", "/api/v1/accounts?kind=a&kind=b", "", "", 400, "bad-request", "twice"},
      {"GET", "/api/v1/account?kind=customer", "", "", 400, "bad-request", "'account_id'"},
      {"PATCH", "/api/v1/accounts", "", "", 405, "method-not-allowed", "GET, POST"},
      {"GET", "/api/v1/nothing", "", "", 404, "not-found", "/api/v1/nothing"},
      {"POST", "/api/v1/review/decisions", R"({"decisions":[{"kind":"customer"}]})",
       "application/json", 422, "validation", "account_id"},
      {"POST", "/api/v1/adds/approve", R"({"ids":["x"]})", "application/json", 422, "validation",
       "whole number"},
      {"POST", "/api/v1/adds/approve", R"({})", "application/json", 422, "validation", "'all'"},
  };
  for (const auto& c : cases) {
    const auto r = call(c.method, c.target, acme_token_, c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.raw.substr(0, 300);
    EXPECT_EQ(r.content_type, "application/problem+json") << c.target;
    EXPECT_EQ(r.type(), kProblems + c.type) << c.target << ": " << r.raw.substr(0, 300);
    EXPECT_EQ(r.body["status"], c.status);
    const auto said = r.body["detail"].get<std::string>() + r.body.value("errors", json()).dump();
    EXPECT_NE(said.find(c.mentions), std::string::npos) << c.target << ": " << said;
  }
  EXPECT_EQ(count(acme_), 0);
}

TEST_F(ApiTest, TokensAuthenticateAndFailuresAreThrottled) {
  auto r = get("/api/v1/status", "");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.type(), std::string(kProblems) + "unauthorized");
  r = call("GET", "/api/v1/status", "", "", "", "192.0.2.1");
  // Admin token on a tenant path, tenant token on an admin path: 403.
  EXPECT_EQ(get("/api/v1/status", admin_token_).status, 403u);
  EXPECT_EQ(get("/api/v1/tenants", acme_token_).status, 403u);
  EXPECT_EQ(get("/api/v1/status", acme_token_).status, 200u);
  // Revoked.
  const auto extra = api::create_token(*store_, "acme", "temp", now_);
  EXPECT_EQ(get("/api/v1/status", extra.token).status, 200u);
  api::revoke_token(*store_, "acme", "temp");
  EXPECT_EQ(get("/api/v1/status", extra.token).status, 401u);
  // Tokens are stored hashed only.
  for (const auto& t : api::list_tokens(*store_, "acme"))
    EXPECT_EQ(t.hash.find(acme_token_), std::string::npos);
  EXPECT_EQ(acme_token_.rfind("qbl_", 0), 0u);
  EXPECT_EQ(acme_token_.size(), 4u + 64u);

  // Wrong tokens from one address: after the limit even a right token waits; others do not.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("GET", "/api/v1/status", "qbl_wrong", "", "", "198.51.100.7").status, 401u);
  r = call("GET", "/api/v1/status", acme_token_, "", "", "198.51.100.7");
  EXPECT_EQ(r.status, 429u);
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after |= k == "Retry-After";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(r.raw.find(acme_token_), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/status", acme_token_, "", "", "198.51.100.8").status, 200u);
  now_ += 16 * 60;
  EXPECT_EQ(call("GET", "/api/v1/status", acme_token_, "", "", "198.51.100.7").status, 200u);
}

TEST_F(ApiTest, DeletedTenantsTokenIsRefused) {
  auto r = call("DELETE", "/api/v1/tenant?user=bolt", admin_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  r = get("/api/v1/accounts", bolt_token_);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.type(), std::string(kProblems) + "unauthorized");
}

TEST_F(ApiTest, ReviewAddsQuickBooksRunsAndStatus) {
  seed_run_state(acme_);
  auto r = get("/api/v1/review", acme_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["candidates"][0]["evidence"][0], "same phone");

  r = get("/api/v1/quickbooks?kind=customer&unlinked=true", acme_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["items"].size(), 2u);
  EXPECT_EQ(r.body["items"][0]["FullName"], "Acme Plumbing Ltd");
  EXPECT_EQ(r.body["items"][0]["Phone"], "555-0100");
  r = get("/api/v1/quickbooks?status=inactive", acme_token_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["kind"], "vendor");
  EXPECT_EQ(r.body["items"][0]["IsActive"], false);

  r = get("/api/v1/status", acme_token_);
  EXPECT_EQ(r.body["waiting"]["review"], 1);
  EXPECT_EQ(r.body["waiting"]["approval"], 1);
  EXPECT_EQ(r.body["last_successful_run"]["outcome"], "ok");
  EXPECT_EQ(r.body["stale"], false);

  r = send("POST", "/api/v1/review/decisions", acme_token_,
           {{"decisions", {{{"kind", "customer"}, {"account_id", "R1"}, {"action", "accept"}}}}});
  ASSERT_EQ(r.status, 200u) << r.raw;
  r = get("/api/v1/account?kind=customer&account_id=R1", acme_token_);
  EXPECT_EQ(r.body["status"], "linked");
  EXPECT_EQ(r.body["list_id"], "80000001-1");
  r = get("/api/v1/quickbooks?kind=customer&unlinked=true", acme_token_);
  EXPECT_EQ(r.body["items"].size(), 1u);

  r = get("/api/v1/adds", acme_token_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  const auto add_id = r.body["items"][0]["id"].get<std::int64_t>();
  r = send("POST", "/api/v1/adds/approve", acme_token_, {{"ids", {add_id}}});
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["approved"], 1);
  EXPECT_TRUE(get("/api/v1/adds", acme_token_).body["items"].empty());
  EXPECT_EQ(get("/api/v1/adds?status=queued", acme_token_).body["items"].size(), 1u);

  r = get("/api/v1/runs", acme_token_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  const auto run = r.body["items"][0]["id"].get<std::int64_t>();
  r = get("/api/v1/runs/events?run=" + std::to_string(run) + "&level=warn", acme_token_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["account_id"], "N1");
  r = get("/api/v1/runs/events?run=0&account=R1", acme_token_);  // the admin decisions
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["kind"], "accepted");

  r = call("DELETE", "/api/v1/account?kind=customer&account_id=R1", acme_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["status"], "pending");
  EXPECT_EQ(r.body["list_id"], "");

  now_ += 3 * 3600;
  EXPECT_EQ(get("/api/v1/status", acme_token_).body["stale"], true);
  EXPECT_EQ(get("/api/v1/status?schedule_minutes=120", acme_token_).body["stale"], false);
}

TEST_F(ApiTest, ATenantsTokenNeverReachesAnotherTenantsData) {
  seed_run_state(acme_);
  ASSERT_EQ(send("POST", "/api/v1/accounts", acme_token_, accounts_body("customer", 0, 3)).status,
            200u);
  const auto add = std::to_string(outbox_id(acme_));
  const auto run = std::to_string(last_run(acme_));
  // Every tenant path, with acme's ids, through bolt's token.
  EXPECT_EQ(get("/api/v1/account?kind=customer&account_id=C1", bolt_token_).status, 404u);
  EXPECT_EQ(call("DELETE", "/api/v1/account?kind=customer&account_id=C1", bolt_token_).status,
            404u);
  EXPECT_EQ(send("PUT", "/api/v1/account/link", bolt_token_,
                 {{"kind", "customer"}, {"account_id", "C1"}, {"accounting_name", "X"}})
                .status,
            404u);
  EXPECT_EQ(get("/api/v1/runs/events?run=" + run, bolt_token_).status, 404u);
  EXPECT_EQ(get("/api/v1/runs/events?run=999999", bolt_token_).status, 404u);  // same answer
  auto r =
      send("POST", "/api/v1/review/decisions", bolt_token_,
           {{"decisions", {{{"kind", "customer"}, {"account_id", "R1"}, {"action", "accept"}}}}});
  EXPECT_EQ(r.status, 422u);
  r = send("POST", "/api/v1/adds/approve", bolt_token_, {{"ids", {std::stoll(add)}}});
  EXPECT_EQ(r.status, 422u);
  r = send("POST", "/api/v1/adds/reject", bolt_token_, {{"ids", {std::stoll(add)}}});
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(send("POST", "/api/v1/review/decisions", bolt_token_, {{"accept_all_strong", true}})
                .body["applied"],
            0);
  EXPECT_EQ(send("POST", "/api/v1/adds/approve", bolt_token_, {{"all", true}}).body["approved"], 0);
  for (const char* path : {"/api/v1/accounts", "/api/v1/quickbooks", "/api/v1/review",
                           "/api/v1/adds", "/api/v1/runs", "/api/v1/runs/events?run=0"}) {
    r = get(path, bolt_token_);
    EXPECT_EQ(r.status, 200u) << path;
    EXPECT_TRUE(r.body["items"].empty()) << path << ": " << r.raw;
  }
  r = get("/api/v1/status", bolt_token_);
  EXPECT_EQ(r.body["user"], "bolt");
  EXPECT_EQ(r.body["accounts"]["total"], 0);
  EXPECT_TRUE(r.body["last_run"].is_null());
  // acme's state is untouched.
  EXPECT_EQ(outbox_id(acme_), std::stoll(add));
  EXPECT_EQ(get("/api/v1/review", acme_token_).body["items"].size(), 1u);
}

TEST_F(ApiTest, AdminTokenManagesTenants) {
  auto r = get("/api/v1/tenants", admin_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["items"].size(), 2u);
  r = send("POST", "/api/v1/tenants", admin_token_,
           {{"user", "cobalt"}, {"password", "a-long-password"}});
  ASSERT_EQ(r.status, 201u) << r.raw;
  EXPECT_EQ(r.body["user"], "cobalt");
  r = send("POST", "/api/v1/tenants", admin_token_,
           {{"user", "cobalt"}, {"password", "a-long-password"}});
  EXPECT_EQ(r.status, 409u);
  r = send("POST", "/api/v1/tenants", admin_token_, {{"user", "short"}, {"password", "x"}});
  EXPECT_EQ(r.status, 422u);
  r = send("PUT", "/api/v1/tenant/password", admin_token_,
           {{"user", "cobalt"}, {"password", "another-long-one"}});
  EXPECT_EQ(r.status, 200u) << r.raw;
  r = send("PUT", "/api/v1/tenant/password", admin_token_,
           {{"user", "nobody"}, {"password", "another-long-one"}});
  EXPECT_EQ(r.status, 404u);
  r = get("/api/v1/tenant/qwc?user=cobalt&url=https%3A%2F%2Fsync.example.com%2Fqbwc", admin_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_NE(r.raw.find("<UserName>cobalt</UserName>"), std::string::npos);
  EXPECT_NE(r.raw.find("<AppSupport>https://sync.example.com/support</AppSupport>"),
            std::string::npos);
  r = get("/api/v1/tenant/qwc?user=cobalt&url=http%3A%2F%2Fsync.example.com%2Fqbwc", admin_token_);
  EXPECT_EQ(r.status, 422u);
  r = call("DELETE", "/api/v1/tenant?user=cobalt", admin_token_);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(get("/api/v1/tenants", admin_token_).body["items"].size(), 2u);
  r = call("DELETE", "/api/v1/tenant?user=cobalt", admin_token_);
  EXPECT_EQ(r.status, 404u);
}

TEST_F(ApiTest, RoutesRegisterOnTheRouter) {
  http::Router router;
  const auto api = api::add_routes(router, *service_, *store_);
  const auto handler = router.handler();
  http::Request req;
  req.method = "GET";
  req.target = "/api/v1/openapi.json";
  auto r = handler(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(json::parse(r.body)["openapi"], "3.1.0");
  req.target = "/api/v1/accounts?limit=5";
  r = handler(req);
  EXPECT_EQ(r.status, 401u);  // no token
  EXPECT_EQ(r.content_type, "application/problem+json");
  // Once http::Request carries header fields, the token goes through the router too.
  auto with_token = [&](auto& request) {
    if constexpr (requires { request.headers; }) {
      request.headers.emplace_back("authorization", "Bearer " + acme_token_);
      EXPECT_EQ(handler(request).status, 200u);
    } else if constexpr (requires { request.authorization; }) {
      request.authorization = "Bearer " + acme_token_;
      EXPECT_EQ(handler(request).status, 200u);
    }
  };
  with_token(req);
}

}  // namespace
}  // namespace qblink

// The API as the browser console uses it (issue 11): console sessions of tenants and of the
// installation admin, idle expiry on the API's clock seam, what an admin may read of a tenant,
// the tenant's own .qwc and what an accounting name typed in review will do. Real SQLite, the
// real admin::Service, requests through Api::handle.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "admin/service.h"
#include "api/api.h"
#include "store/guid.h"
#include "store/store.h"
#include "support/test_support.h"
#include "sync/auth.h"

namespace qblink {
namespace {

using json = nlohmann::json;
using reconcile::AccountKind;

constexpr const char* kAcmePassword = "acme-console-pw1";
constexpr std::int64_t kIdle = 30 * 60;

struct Answer {
  unsigned status = 0;
  json body;
  std::string raw;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
  std::string type() const {
    return body.is_object() && body.contains("type") ? body["type"].get<std::string>() : "";
  }
};

// A browser's view of one console session: its cookie and CSRF token.
struct Browser {
  std::string cookie, csrf;
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::SqliteStore>((dir_ / "console.db").string());
    service_ = std::make_unique<admin::Service>(*store_, [this] { return now_; });
    api::Options o;
    o.clock = [this] { return now_; };
    o.session_idle = kIdle;
    o.failed_auth_limit = 5;
    api_ = std::make_unique<api::Api>(*service_, *store_, o);
    acme_ = add_tenant("acme", kAcmePassword);
    bolt_ = add_tenant("bolt", "bolt-console-pw1");
    acme_token_ = api::create_token(*store_, "acme", "app", now_).token;
    admin_token_ = api::create_token(*store_, std::nullopt, "ops", now_).token;
  }

  store::TenantId add_tenant(const std::string& user, const std::string& password) {
    auto tx = store_->begin(true);
    store::Tenant t;
    t.username = user;
    t.password_hash = sync::hash_password(password);
    t.file_id = store::make_guid();
    const auto id = tx->add_tenant(t);
    tx->owner_id();
    tx->commit();
    return id;
  }

  struct Request {
    Request(std::string m, std::string t, std::string b = "")
        : method(std::move(m)), target(std::move(t)), body(std::move(b)) {}
    std::string method, target, body;
    std::string bearer;
    const Browser* browser = nullptr;
    bool with_csrf = true;
    std::string tenant;  // X-Qblink-Tenant
  };

  Answer call(const Request& rq) {
    api::Call c;
    c.method = rq.method;
    c.target = rq.target;
    c.body = rq.body;
    c.content_type = rq.body.empty() ? "" : "application/json";
    c.remote = "192.0.2.9";
    c.origin = "http://127.0.0.1:8080";
    if (!rq.bearer.empty()) c.authorization = "Bearer " + rq.bearer;
    if (rq.browser) {
      c.cookie = "other=1; " + rq.browser->cookie;
      if (rq.with_csrf) c.csrf = rq.browser->csrf;
    }
    c.tenant = rq.tenant;
    const auto r = api_->handle(c);
    Answer a;
    a.status = r.status;
    a.raw = r.body;
    a.headers = r.headers;
    a.body = json::parse(r.body, nullptr, false);
    return a;
  }

  // Signs in as the console does; the cookie is what Set-Cookie gave.
  std::optional<Browser> sign_in(const json& body) {
    const auto a = call({"POST", "/api/v1/session", body.dump()});
    if (a.status != 201) return std::nullopt;
    const auto set = a.header("Set-Cookie");
    return Browser{set.substr(0, set.find(';')), a.body["csrf_token"].get<std::string>()};
  }

  Answer get(const std::string& target, const Browser& b, const std::string& tenant = "") {
    Request rq{"GET", target};
    rq.browser = &b;
    rq.tenant = tenant;
    return call(rq);
  }
  Answer change(const std::string& method, const std::string& target, const Browser& b,
                const json& body, bool with_csrf = true, const std::string& tenant = "") {
    Request rq{method, target, body.is_null() ? "" : body.dump()};
    rq.browser = &b;
    rq.with_csrf = with_csrf;
    rq.tenant = tenant;
    return call(rq);
  }
  Answer bearer(const std::string& method, const std::string& target, const std::string& token,
                const std::string& tenant = "", const json& body = nullptr) {
    Request rq{method, target, body.is_null() ? "" : body.dump()};
    rq.bearer = token;
    rq.tenant = tenant;
    return call(rq);
  }

  // The QuickBooks lists of a last sync, and one account in review.
  void seed(store::TenantId t) {
    auto tx = store_->begin(true);
    store::QbRow e1{reconcile::QbList::Customer,
                    "80000001-1",
                    "Acme Plumbing Ltd",
                    "Acme Plumbing Ltd",
                    "",
                    "1",
                    "",
                    true};
    store::QbRow e2{
        reconcile::QbList::Customer, "80000002-1", "Zed Co", "Zed Co", "", "1", "", false};
    const auto run = tx->start_run(t, now_ - 30);
    tx->upsert_entries(t, {e1, e2}, run);
    store::AccountRow a;
    a.kind = AccountKind::Customer;
    a.account_id = "R1";
    a.name = "ACME plumbing ltd";
    tx->upsert_account(t, a);
    a.status = "review";
    tx->save_account_state(t, a);
    store::AccountRow p = a;
    p.account_id = "P1";
    p.name = "Pending Co";
    p.status = "pending";
    tx->upsert_account(t, p);
    tx->save_account_state(t, p);
    tx->commit();
  }

  test::TempDir dir_;
  std::int64_t now_ = 1'800'000'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<admin::Service> service_;
  std::unique_ptr<api::Api> api_;
  store::TenantId acme_ = 0, bolt_ = 0;
  std::string acme_token_, admin_token_;
};

TEST_F(ConsoleApiTest, AnIdleSessionIsRefusedAfterTheTimeoutAndAnActiveOneIsNot) {
  const auto idle = sign_in({{"user", "acme"}, {"password", kAcmePassword}});
  const auto active = sign_in({{"user", "acme"}, {"password", kAcmePassword}});
  ASSERT_TRUE(idle && active);
  EXPECT_EQ(get("/api/v1/status", *idle).status, 200u);
  // The active session is used every 20 minutes; the idle one not at all for 40.
  for (int i = 0; i < 2; ++i) {
    now_ += 20 * 60;
    EXPECT_EQ(get("/api/v1/status", *active).status, 200u) << "after " << (i + 1) * 20 << " min";
  }
  auto r = get("/api/v1/status", *idle);
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.body["detail"].get<std::string>().find("expired"), std::string::npos) << r.raw;
  // Gone for good, also for GET /session (what the console asks on load).
  EXPECT_EQ(get("/api/v1/session", *idle).status, 401u);
  EXPECT_EQ(get("/api/v1/session", *active).status, 200u);
  // Exactly at the idle limit the session is over; a second before, it is not.
  now_ += kIdle - 1;
  EXPECT_EQ(get("/api/v1/status", *active).status, 200u);
  now_ += kIdle;
  EXPECT_EQ(get("/api/v1/status", *active).status, 401u);

  // An admin session expires the same way.
  const auto admin = sign_in({{"token", admin_token_}});
  ASSERT_TRUE(admin);
  now_ += kIdle;
  EXPECT_EQ(get("/api/v1/tenants", *admin).status, 401u);
}

TEST_F(ConsoleApiTest, AnAdminSessionDoesOnlyWhatTheAdminTokenCan) {
  // Only a live admin token opens an admin session; the answer says it is one.
  EXPECT_FALSE(sign_in({{"token", acme_token_}}));
  EXPECT_FALSE(sign_in({{"token", "qbl_" + std::string(64, '0')}}));
  EXPECT_EQ(
      call({"POST", "/api/v1/session", json{{"token", admin_token_}, {"user", "acme"}}.dump()})
          .status,
      422u);
  const auto admin = sign_in({{"token", admin_token_}});
  ASSERT_TRUE(admin);
  auto r = get("/api/v1/session", *admin);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["admin"], true);
  EXPECT_EQ(r.body["token_name"], "ops");

  // Admin paths: as with the token, and changes need the CSRF token.
  EXPECT_EQ(get("/api/v1/tenants", *admin).status, 200u);
  r = change("POST", "/api/v1/tenants", *admin, {{"user", "cobalt"}, {"password", "long-enough"}},
             false);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.body["type"], "https://qblink.dev/problems/csrf");
  r = change("POST", "/api/v1/tenants", *admin, {{"user", "cobalt"}, {"password", "long-enough"}});
  EXPECT_EQ(r.status, 201u) << r.raw;

  // Tenant paths: the admin names the tenant and reads; it changes nothing, token or session.
  seed(acme_);
  EXPECT_EQ(get("/api/v1/status", *admin).status, 403u);
  EXPECT_EQ(bearer("GET", "/api/v1/status", admin_token_).status, 403u);
  r = get("/api/v1/status", *admin, "acme");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["user"], "acme");
  EXPECT_EQ(bearer("GET", "/api/v1/status", admin_token_, "acme").body["user"], "acme");
  EXPECT_EQ(get("/api/v1/review", *admin, "acme").body["items"].size(), 1u);
  EXPECT_EQ(get("/api/v1/status", *admin, "nobody").status, 404u);
  const json reject = {
      {"decisions", {{{"kind", "customer"}, {"account_id", "R1"}, {"action", "reject"}}}}};
  const json link = {{"kind", "customer"}, {"account_id", "R1"}, {"accounting_name", "Zed Co"}};
  for (const auto& [method, path, body] :
       {std::tuple<std::string, std::string, json>{"POST", "/api/v1/review/decisions", reject},
        {"PUT", "/api/v1/account/link", link},
        {"POST", "/api/v1/adds/approve", json{{"all", true}}},
        {"DELETE", "/api/v1/account?kind=customer&account_id=R1", nullptr}}) {
    r = change(method, path, *admin, body, true, "acme");
    EXPECT_EQ(r.status, 403u) << method << " " << path << ": " << r.raw;
    EXPECT_EQ(r.type(), "https://qblink.dev/problems/read-only") << path;
    EXPECT_EQ(bearer(method, path, admin_token_, "acme", body).status, 403u) << path;
  }
  EXPECT_EQ(get("/api/v1/review", *admin, "acme").body["items"].size(), 1u);  // unchanged

  // A tenant's own credential may name only itself.
  EXPECT_EQ(bearer("GET", "/api/v1/status", acme_token_, "acme").status, 200u);
  EXPECT_EQ(bearer("GET", "/api/v1/status", acme_token_, "bolt").status, 403u);
  const auto tenant = sign_in({{"user", "acme"}, {"password", kAcmePassword}});
  ASSERT_TRUE(tenant);
  EXPECT_EQ(get("/api/v1/status", *tenant, "bolt").status, 403u);
  EXPECT_EQ(get("/api/v1/tenants/status", *tenant).status, 403u);

  // The installation view: every tenant with its status.
  r = get("/api/v1/tenants/status", *admin);
  ASSERT_EQ(r.status, 200u) << r.raw;
  ASSERT_EQ(r.body["items"].size(), 3u);
  EXPECT_EQ(r.body["items"][0]["user"], "acme");
  EXPECT_EQ(r.body["items"][0]["waiting"]["review"], 1);
  EXPECT_EQ(r.body["items"][0]["polling"], "ok");
  EXPECT_EQ(r.body["items"][1]["polling"], "never");
  EXPECT_EQ(bearer("GET", "/api/v1/tenants/status", admin_token_).status, 200u);
  EXPECT_EQ(bearer("GET", "/api/v1/tenants/status", acme_token_).status, 403u);

  // Revoking the admin token ends its console sessions.
  api::revoke_token(*store_, std::nullopt, "ops");
  EXPECT_EQ(get("/api/v1/tenants", *admin).status, 401u);
  EXPECT_EQ(get("/api/v1/session", *admin).status, 401u);
}

TEST_F(ConsoleApiTest, ATenantDownloadsItsOwnQwc) {
  const std::string target = "/api/v1/qwc?url=https%3A%2F%2Fsync.example.com%2Fqbwc";
  auto r = bearer("GET", target, acme_token_);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_NE(r.raw.find("<UserName>acme</UserName>"), std::string::npos);
  EXPECT_EQ(r.header("Content-Disposition"), "attachment; filename=\"acme.qwc\"");
  // The same file as the admin's route builds.
  const auto admin_file =
      bearer("GET", "/api/v1/tenant/qwc?user=acme&url=https%3A%2F%2Fsync.example.com%2Fqbwc",
             admin_token_);
  EXPECT_EQ(admin_file.raw, r.raw);
  // A console session downloads it too; a bad URL says why.
  const auto tenant = sign_in({{"user", "acme"}, {"password", kAcmePassword}});
  ASSERT_TRUE(tenant);
  EXPECT_EQ(get(target, *tenant).status, 200u);
  r = get("/api/v1/qwc?url=http%3A%2F%2F127.0.0.1%3A8080%2Fqbwc", *tenant);
  EXPECT_EQ(r.status, 422u);
  EXPECT_NE(r.body["detail"].get<std::string>().find("IP"), std::string::npos) << r.raw;
  EXPECT_EQ(get("/api/v1/qwc?user=bolt&url=https%3A%2F%2Fsync.example.com%2Fqbwc", *tenant).status,
            400u);  // no user parameter: only one's own file
}

TEST_F(ConsoleApiTest, TypingAnAccountingNameSaysWhatTheNextSyncDoes) {
  seed(acme_);
  const json base = {{"kind", "customer"}, {"account_id", "R1"}};
  auto body = base;
  body["accounting_name"] = "Zed Co";
  auto r = bearer("PUT", "/api/v1/account/link", acme_token_, "", body);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["status"], "review");
  EXPECT_EQ(r.body["accounting_name"], "Zed Co");
  EXPECT_EQ(r.body["detail"],
            "QuickBooks has \"Zed Co\" in its customer list (ListID 80000002-1, inactive): linked "
            "at the next sync");
  body["accounting_name"] = "Nobody Ltd";
  r = bearer("PUT", "/api/v1/account/link", acme_token_, "", body);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["detail"],
            "QuickBooks has no \"Nobody Ltd\" in its customer list (as of the last sync): held for "
            "review at the next sync; review reject (genuinely new) adds it under this name");
  // A linked or pending account is reconciled afresh: the same outlook, without the reject hint.
  body["account_id"] = "P1";
  body["accounting_name"] = "Acme Plumbing Ltd";
  r = bearer("PUT", "/api/v1/account/link", acme_token_, "", body);
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["status"], "pending");
  EXPECT_EQ(r.body["detail"],
            "QuickBooks has \"Acme Plumbing Ltd\" in its customer list (ListID 80000001-1): linked "
            "at the next sync");
}

}  // namespace
}  // namespace qblink

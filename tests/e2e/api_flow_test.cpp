// The app's way in, end to end over HTTPS: push 5,000 accounts through /api/v1, let a simulated
// Web Connector run, read the ListIDs back with changed_since, accept a review item, approve the
// adds, run again and see them linked. Real server, real SQLite, real gSOAP.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "e2e/harness.h"
#include "http/client.h"

namespace qblink::test {
namespace {

using nlohmann::json;

class ApiFlow : public ::testing::Test {
 protected:
  Harness h;
  sim::Company company;
  std::unique_ptr<sim::FakeQuickBooks> qb;
  std::unique_ptr<http::Client> client;
  std::string token;

  void SetUp() override {
    // QuickBooks already has customers 0..4979; 4980..4989 differ by a legal suffix; the last
    // ten are new.
    json customers = json::array();
    for (int i = 0; i < 4990; ++i)
      customers.push_back({{"name", "Customer " + std::to_string(i) + (i >= 4980 ? " LLC" : "")}});
    company = company_from(json{{"customers", customers}}.dump());
    qb = std::make_unique<sim::FakeQuickBooks>(company);
    h.add_tenant("acme");
    {
      auto tx = h.store->begin(true);
      tx->set_auto_add_limit(tx->tenant_by_name("acme")->id, store::kDefaultAutoAddLimit);
      tx->commit();
    }
    token = api::create_token(*h.store, std::string("acme"), "field-app", 1).token;
    h.start_server(true);
    client = std::make_unique<http::Client>(h.url);
  }

  json call(const std::string& method, const std::string& target, const json& body = nullptr,
            unsigned want = 200) {
    const auto r = client->request(method, target, body.is_null() ? "" : body.dump(),
                                   {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(r.status, want) << method << " " << target << ": " << r.body;
    return r.body.empty() ? json() : json::parse(r.body);
  }

  sim::SessionResult sync() {
    sim::WebConnector wc(h.wc_options("acme"), *qb);
    return wc.run_session();
  }

  // Every account changed after `change`, page by page; returns the newest change number.
  std::int64_t changed(std::int64_t change, std::map<std::string, json>& out) {
    std::string target = "/api/v1/accounts?limit=1000&changed_since=" + std::to_string(change);
    for (;;) {
      const auto page = call("GET", target);
      for (const auto& a : page["items"]) out[a["account_id"].get<std::string>()] = a;
      change = std::max(change, page["change"].get<std::int64_t>());
      if (page["next_cursor"].is_null()) return change;
      target = "/api/v1/accounts?limit=1000&cursor=" + page["next_cursor"].get<std::string>();
    }
  }
};

TEST_F(ApiFlow, PushRunReadLinksDecideRunAgain) {
  json rows = json::array();
  for (int i = 0; i < 5000; ++i)
    rows.push_back(
        {{"account_id", "C" + std::to_string(i)}, {"name", "Customer " + std::to_string(i)}});
  const auto pushed = call("POST", "/api/v1/accounts", {{"kind", "customer"}, {"accounts", rows}});
  EXPECT_EQ(pushed["added"], 5000);
  std::map<std::string, json> all;
  const auto mark = changed(0, all);
  ASSERT_EQ(all.size(), 5000u);

  ASSERT_TRUE(sync().ok);
  std::map<std::string, json> after;
  const auto mark2 = changed(mark, after);
  EXPECT_EQ(after.size(), 5000u) << "every account changed state in the run";
  std::size_t linked = 0;
  for (const auto& [id, a] : after)
    if (a["status"] == "linked" && !a["list_id"].get<std::string>().empty()) ++linked;
  EXPECT_EQ(linked, 4980u);
  EXPECT_EQ(company.customers.size(), 4990u) << "nothing added before approval";

  const auto review = call("GET", "/api/v1/review");
  ASSERT_EQ(review["items"].size(), 10u);
  call("POST", "/api/v1/review/decisions",
       {{"decisions", {{{"kind", "customer"}, {"account_id", "C4980"}, {"action", "accept"}}}}});
  EXPECT_EQ(call("GET", "/api/v1/account?kind=customer&account_id=C4980")["status"], "linked");

  const auto adds = call("GET", "/api/v1/adds");
  ASSERT_EQ(adds["items"].size(), 10u);
  EXPECT_EQ(call("POST", "/api/v1/adds/approve", {{"all", true}})["approved"], 10);

  ASSERT_TRUE(sync().ok);
  std::map<std::string, json> added;
  changed(mark2, added);
  std::size_t now_linked = 0;
  for (int i = 4990; i < 5000; ++i) {
    const auto& a = added["C" + std::to_string(i)];
    if (a["status"] == "linked") ++now_linked;
  }
  EXPECT_EQ(now_linked, 10u) << "the approved adds came back linked, with their ListIDs";
  EXPECT_EQ(company.customers.size(), 5000u) << "each added exactly once";
  const auto status = call("GET", "/api/v1/status");
  EXPECT_EQ(status["waiting"]["approval"], 0);
  EXPECT_EQ(status["waiting"]["review"], 9);
}

TEST_F(ApiFlow, NoTokenOrAnotherTenantsTokenSeesNothing) {
  h.add_tenant("bolt");
  const auto bolt = api::create_token(*h.store, std::string("bolt"), "x", 1).token;
  call("POST", "/api/v1/accounts",
       {{"kind", "customer"}, {"accounts", {{{"account_id", "C1"}, {"name", "Acme"}}}}});
  const auto none = client->request("GET", "/api/v1/accounts", "");
  EXPECT_EQ(none.status, 401u);
  const auto other = client->request("GET", "/api/v1/account?kind=customer&account_id=C1", "",
                                     {{"Authorization", "Bearer " + bolt}});
  EXPECT_EQ(other.status, 404u) << other.body;
  EXPECT_EQ(client->get("/health").status, 200u);
}

}  // namespace
}  // namespace qblink::test

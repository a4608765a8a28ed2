// The QBWC protocol end to end: the real server on loopback HTTP and HTTPS, driven by the
// simulated Web Connector and by raw requests.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "e2e/harness.h"
#include "http/client.h"
#include "support/tenant.h"
#include "support/xml_support.h"

namespace qblink::test {
namespace {

using reconcile::AccountKind;

constexpr const char* kSmallCompany = R"({"customers": [{"name": "Acme Plumbing Ltd"}]})";

std::vector<std::string> methods(const sim::SessionResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.calls) out.push_back(c.method);
  return out;
}

class Protocol : public ::testing::TestWithParam<bool> {};

TEST_P(Protocol, WebConnectorSessionRunsThroughInTheRealCallOrder) {
  Harness h(/*tls=*/GetParam());
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Plumbing Ltd", ""}});
  auto company = company_from(kSmallCompany);
  sim::FakeQuickBooks qb(company, strict_qb());
  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  const auto m = methods(r);
  ASSERT_GE(m.size(), 6u);
  EXPECT_EQ(m[0], "serverVersion");
  EXPECT_EQ(m[1], "clientVersion");
  EXPECT_EQ(m[2], "authenticate");
  EXPECT_EQ(m[3], "sendRequestXML");
  EXPECT_EQ(m.back(), "closeConnection");
  EXPECT_EQ(qb.invalid_requests(), 0u) << "every request must be schema-valid";
  EXPECT_NE(r.close_message.find("Linked 1"), std::string::npos) << r.close_message;
}

TEST_P(Protocol, TenantWithNothingToDoIsToldNone) {
  Harness h(/*tls=*/GetParam());
  h.add_tenant("idle");
  auto company = company_from(kSmallCompany);
  sim::FakeQuickBooks qb(company);
  sim::WebConnector wc(h.wc_options("idle"), qb);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.nothing_to_do);
  EXPECT_EQ(r.requests_sent, 0u);
}

TEST_P(Protocol, WrongPasswordIsRefusedWithNvu) {
  Harness h(/*tls=*/GetParam());
  h.add_tenant("acme");
  auto company = company_from(kSmallCompany);
  sim::FakeQuickBooks qb(company);
  sim::WebConnector wc(h.wc_options("acme", "wrong-password"), qb);
  const auto r = wc.run_session();
  EXPECT_EQ(r.auth_status, "nvu");
  EXPECT_EQ(r.requests_sent, 0u);
}

TEST_P(Protocol, CompanyNotOpenEndsWithDoneAndIsLogged) {
  Harness h(/*tls=*/GetParam());
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Plumbing Ltd", ""}});
  auto company = company_from(kSmallCompany);
  sim::FakeQuickBooks qb(company);
  auto o = h.wc_options("acme");
  o.company_not_open = true;
  sim::WebConnector wc(o, qb);
  const auto r = wc.run_session();
  const auto m = methods(r);
  ASSERT_NE(std::find(m.begin(), m.end(), "connectionError"), m.end());
  EXPECT_EQ(std::count(m.begin(), m.end(), "connectionError"), 1) << "one 'done' stops it";
  const auto runs = h.runs("acme");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, "company not open");
}

INSTANTIATE_TEST_SUITE_P(HttpAndHttps, Protocol, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "https" : "http"; });

// --- bad input over real HTTP: every kind gets its answer, and the server keeps serving ---

class BadInput : public ::testing::Test {
 protected:
  Harness h;
  http::Client client{h.url};

  void expect_still_healthy() {
    http::Client fresh(h.url);
    const auto r = fresh.get("/health");
    EXPECT_EQ(r.status, 200u);
  }
};

TEST_F(BadInput, EmptyBodyGets400) {
  EXPECT_EQ(client.post("", "\"http://developer.intuit.com/serverVersion\"").status, 400u);
  expect_still_healthy();
}

TEST_F(BadInput, NonXmlGets400) {
  EXPECT_EQ(client.post("{\"json\": true}", "").status, 400u);
  expect_still_healthy();
}

TEST_F(BadInput, TruncatedXmlGets400) {
  EXPECT_EQ(client
                .post("<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas."
                      "xmlsoap.org/soap/envelope/\"><soap:Body><authent",
                      "")
                .status,
            400u);
  expect_still_healthy();
}

TEST_F(BadInput, DoctypeGets400) {
  const auto r =
      client.post("<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"b\">]><x>&a;</x>", "");
  EXPECT_EQ(r.status, 400u);
  expect_still_healthy();
}

TEST_F(BadInput, UnknownCallGetsASoapFaultWith500) {
  const auto r = client.post(
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
      "<dropTables xmlns=\"http://developer.intuit.com/\"/></soap:Body></soap:Envelope>",
      "\"http://developer.intuit.com/dropTables\"");
  EXPECT_EQ(r.status, 500u);
  EXPECT_NE(r.body.find("Fault"), std::string::npos);
  expect_still_healthy();
}

TEST_F(BadInput, OverLimitBodyGets413) {
  // A server with a small limit, so the test does not need hundreds of MB.
  http::ServerOptions o;
  o.port = 0;
  o.body_limit = 1 << 20;
  http::Server small(o, cli::make_endpoint(*h.service, o.body_limit));
  small.start();
  http::Client c("http://127.0.0.1:" + std::to_string(small.port()) + "/qbwc");
  const auto r = c.post(std::string(2 << 20, 'x'), "");
  EXPECT_EQ(r.status, 413u);
  http::Client again("http://127.0.0.1:" + std::to_string(small.port()) + "/qbwc");
  EXPECT_EQ(again.get("/health").status, 200u);
  small.stop();
}

TEST_F(BadInput, UnknownPathGets404AndWrongMethodGets405) {
  EXPECT_EQ(client.get("/nope").status, 404u);
  http::Client health(h.url.substr(0, h.url.size() - 5) + "/health");
  EXPECT_EQ(health.post("x", "").status, 405u);
}

TEST(Superseding, ANewSessionReplacesTheOpenOneAndTheOldTicketIsToldWhy) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Plumbing Ltd", ""}});
  const auto first = h.service->authenticate("acme", "secret-pw");
  ASSERT_EQ(first.size(), 2u);
  const auto second = h.service->authenticate("acme", "secret-pw");
  ASSERT_NE(first[0], second[0]);
  sync::SendRequestArgs a;
  a.ticket = first[0];
  a.qbxml_major = 13;
  EXPECT_EQ(h.service->send_request_xml(a), "") << "the superseded session gets no work";
  EXPECT_NE(h.service->get_last_error(first[0]).find("replaced by a newer session"),
            std::string::npos);
  a.ticket = second[0];
  EXPECT_NE(h.service->send_request_xml(a), "") << "the new session is served at once";
}

// Two instances on one database (a second store and service, as a second `qblink serve` has):
// the session opened on one is superseded by an authenticate landing on the other, even while
// the first instance is in the middle of one of its calls.
TEST(Superseding, AnAuthenticateOnAnotherInstanceReplacesTheOpenSession) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Plumbing Ltd", ""}});
  auto other_store = store::open(h.db_path);
  sync::Service other(*other_store);
  const auto first = h.service->authenticate("acme", "secret-pw");
  ASSERT_EQ(first.size(), 2u);
  std::vector<std::string> second;
  {
    // Instance A is inside a call of the tenant (its write transaction holds the tenant).
    auto busy = h.store->begin(true);
    busy->lock_tenant(busy->tenant_by_name("acme")->id);
    std::thread b([&] { second = other.authenticate("acme", "secret-pw"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    busy->commit();
    b.join();
  }
  ASSERT_EQ(second.size(), 2u);
  ASSERT_NE(second[0], "");
  sync::SendRequestArgs a;
  a.ticket = first[0];
  a.qbxml_major = 13;
  EXPECT_EQ(h.service->send_request_xml(a), "") << "the superseded session gets no work";
  EXPECT_NE(h.service->get_last_error(first[0]).find("replaced by a newer session"),
            std::string::npos);
  a.ticket = second[0];
  EXPECT_NE(h.service->send_request_xml(a), "") << "the new session is served on instance A";
}

TEST(Tickets, ExpireWhenIdle) {
  std::int64_t now = 1'000'000;
  TestDatabase database(e2e_engine());
  auto opened = store::open(database.db());
  store::Store& store = *opened;
  sync::ServiceOptions o;
  o.ticket_idle_seconds = 60;
  sync::Service service(store, o, [&now] { return now; });
  seed_tenant(store, "acme", "secret-pw", {customer("C1", "Acme")});
  const auto ticket = service.authenticate("acme", "secret-pw")[0];
  ASSERT_EQ(ticket.size(), 32u) << "128 random bits as hex";
  now += 61;
  sync::SendRequestArgs a;
  a.ticket = ticket;
  a.qbxml_major = 13;
  EXPECT_EQ(service.send_request_xml(a), "");
  EXPECT_NE(service.get_last_error(ticket).find("expired"), std::string::npos);
}

TEST(Logins, RepeatedFailuresAreSlowedButNotLockedOutForGood) {
  std::int64_t now = 2'000'000;
  TestDatabase database(e2e_engine());
  auto opened = store::open(database.db());
  store::Store& store = *opened;
  sync::Service service(store, {}, [&now] { return now; });
  seed_tenant(store, "acme", "secret-pw", {customer("C1", "Acme")});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(service.authenticate("acme", "bad")[1], "nvu");
  EXPECT_EQ(service.authenticate("acme", "secret-pw")[1], "nvu")
      << "right after many failures even the right password waits";
  now += 120;
  EXPECT_NE(service.authenticate("acme", "secret-pw")[1], "nvu") << "the slowdown is bounded";
}

}  // namespace
}  // namespace qblink::test

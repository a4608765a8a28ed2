// One log line per Web Connector session however it ends (issue 12): closed, superseded by a
// new login, expired, the company file not opened, nothing to do. Each line names the tenant,
// the client address the session logged in from, its SOAP calls and its outcome, and each end
// is counted in qblink_sessions_total.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "obs/log.h"
#include "obs/metrics.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/service.h"

namespace qblink::sync {
namespace {

using nlohmann::json;

class SessionLog : public ::testing::Test {
 protected:
  void SetUp() override {
    obs::setup_logging({obs::LogFormat::Json, spdlog::level::info, log_path});
    company = sim::parse_company_json(R"({"customers": [{"name": "Acme Ltd"}]})");
    sim::normalize_company(company);
    owner = test::seed_tenant(store, "acme", "secret-pw", {test::customer("C1", "Acme Ltd")});
    test::seed_tenant(store, "idle", "secret-pw");
  }
  void TearDown() override { obs::setup_logging({}); }

  // The first sendRequestXML of a session (QuickBooks' host answer included).
  std::string first_send(const std::string& ticket) {
    sim::FakeQuickBooks qb(company);
    qb.begin_session(owner);
    SendRequestArgs s;
    s.ticket = ticket;
    s.hcp_response = qb.hcp_response();
    s.company_file_name = company.file_path;
    s.country = "US";
    s.qbxml_major = 13;
    return service.send_request_xml(s);
  }

  std::vector<json> ended() {
    std::vector<json> out;
    std::istringstream in(test::read_file(log_path));
    for (std::string l; std::getline(in, l);) {
      const auto j = json::parse(l);
      if (j["msg"] == "qbwc session ended") out.push_back(j);
    }
    return out;
  }

  test::TempDir dir;
  std::string log_path = (dir / "q.log").string();
  store::SqliteStore store{(dir / "q.db").string()};
  std::int64_t now = 1'800'000'000;
  Service service{store, {}, [this] { return now; }};
  sim::Company company;
  std::string owner;
};

TEST_F(SessionLog, EverySessionEndGetsOneLine) {
  auto& sessions = obs::metrics().sessions;
  const double superseded_before = sessions.value("superseded");
  const double expired_before = sessions.value("expired");

  // Superseded: a session that never closed is replaced by a new login.
  const auto first = service.authenticate("acme", "secret-pw", "10.0.0.5");
  ASSERT_FALSE(first[0].empty());
  ASSERT_FALSE(first_send(first[0]).empty());
  now += 60;
  const auto second = service.authenticate("acme", "secret-pw", "10.0.0.6");
  // ... and that one is closed before its end: incomplete.
  now += 5;
  service.close_connection(second[0]);
  // Expired: idle past the ticket's limit, then called again.
  const auto third = service.authenticate("acme", "secret-pw", "10.0.0.7");
  now += service.options().ticket_idle_seconds + 1;
  EXPECT_EQ(first_send(third[0]), "");
  // The company file could not be opened.
  const auto fourth = service.authenticate("acme", "secret-pw", "10.0.0.8");
  EXPECT_EQ(service.connection_error(fourth[0], "0x80040408", "Could not start QuickBooks."),
            "done");
  // Nothing to do: a tenant without accounts.
  const auto fifth = service.authenticate("idle", "secret-pw", "10.0.0.9");
  EXPECT_EQ(fifth[1], "none");
  service.close_connection(fifth[0]);
  // A refused login is no session.
  EXPECT_EQ(service.authenticate("acme", "wrong-pw", "10.0.0.10")[1], "nvu");

  const auto lines = ended();
  ASSERT_EQ(lines.size(), 5u) << test::read_file(log_path);
  const auto expect = [&](const json& l, const std::string& tenant, const std::string& ip,
                          const std::string& outcome, int calls) {
    EXPECT_EQ(l["tenant"], tenant) << l;
    EXPECT_EQ(l["client_ip"], ip) << l;
    EXPECT_EQ(l["outcome"], outcome) << l;
    EXPECT_EQ(l["calls"], calls) << l;
  };
  expect(lines[0], "acme", "10.0.0.5", "superseded", 2);  // authenticate, sendRequestXML
  EXPECT_EQ(lines[0]["duration_s"], 0) << "it was last seen at its sendRequestXML";
  EXPECT_EQ(lines[0]["level"], "warning");
  expect(lines[1], "acme", "10.0.0.6", "incomplete", 2);  // authenticate, closeConnection
  EXPECT_EQ(lines[1]["duration_s"], 5);
  expect(lines[2], "acme", "10.0.0.7", "expired", 1);
  EXPECT_EQ(lines[2]["duration_s"], 0) << "never seen after its login";
  expect(lines[3], "acme", "10.0.0.8", "company_not_open", 2);
  expect(lines[4], "idle", "10.0.0.9", "nothing_to_do", 2);
  EXPECT_EQ(lines[4]["level"], "info");

  EXPECT_EQ(sessions.value("superseded"), superseded_before + 1);
  EXPECT_EQ(sessions.value("expired"), expired_before + 1);
}

}  // namespace
}  // namespace qblink::sync

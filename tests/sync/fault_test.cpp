// Failure injection (issue 12): the database fails at the n-th SQL statement of a Web Connector
// call, for every n the call runs. Every method must answer with its protocol's error shape (an
// empty ticket or request, -1, an error text), never let an exception escape (which the HTTP
// layer could only turn into a plain 500).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "store/database.h"
#include "store/store.h"
#include "support/pg_support.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/service.h"

namespace qblink::sync {
namespace {

// One tenant mid-way through a session, rebuilt from scratch for every injected failure.
struct World {
  enum class Stage { Fresh, Authenticated, RequestSent };

  test::TestDatabase db;
  std::unique_ptr<store::Store> opened = store::open(db.db());
  store::Store& store = *opened;
  Service service{store};
  sim::Company company;
  std::unique_ptr<sim::FakeQuickBooks> qb;
  std::string owner, ticket, request;

  World(Stage stage, store::Engine engine) : db(engine) {
    company = sim::parse_company_json(R"({"customers": [{"name": "Acme Ltd"}]})");
    sim::normalize_company(company);
    owner = test::seed_tenant(store, "acme", "secret-pw",
                              {test::customer("C1", "Acme Ltd"), test::customer("C2", "New Co")});
    qb = std::make_unique<sim::FakeQuickBooks>(company);
    if (stage == Stage::Fresh) return;
    const auto auth = service.authenticate("acme", "secret-pw");
    ticket = auth.at(0);
    qb->begin_session(owner);
    if (stage == Stage::Authenticated) return;
    request = service.send_request_xml(first_send());
  }

  SendRequestArgs first_send() {
    SendRequestArgs s;
    s.ticket = ticket;
    s.hcp_response = qb->hcp_response();
    s.company_file_name = company.file_path;
    s.country = "US";
    s.qbxml_major = 13;
    return s;
  }
};

struct Method {
  const char* name;
  World::Stage stage;
  // Calls the method; returns "" when its answer is an acceptable one, else what is wrong.
  std::function<std::string(World&)> call;
};

std::vector<Method> methods() {
  using Stage = World::Stage;
  return {
      {"authenticate", Stage::Fresh,
       [](World& w) -> std::string {
         const auto r = w.service.authenticate("acme", "secret-pw");
         if (r.size() < 2) return "fewer than two strings";
         if (r[0].empty() && r[1] != "nvu" && r[1] != "busy") return "no ticket and " + r[1];
         return "";
       }},
      {"sendRequestXML", Stage::Authenticated,
       [](World& w) -> std::string {
         w.service.send_request_xml(w.first_send());  // a request or "" (then getLastError)
         return "";
       }},
      {"receiveResponseXML", Stage::RequestSent,
       [](World& w) -> std::string {
         if (w.request.empty()) return "the set-up sent no request";
         const auto out = w.qb->process(w.request);
         const int pct =
             w.service.receive_response_xml({w.ticket, out.response, out.hresult, out.message});
         if (pct < -1 || pct > 100) return "percent " + std::to_string(pct);
         return "";
       }},
      {"connectionError", Stage::Authenticated,
       [](World& w) -> std::string {
         const auto r = w.service.connection_error(w.ticket, "0x80040408", "not open");
         return r == "done" ? "" : "answered '" + r + "'";
       }},
      {"getLastError", Stage::RequestSent,
       [](World& w) -> std::string {
         return w.service.get_last_error(w.ticket).empty() ? "empty text" : "";
       }},
      {"closeConnection", Stage::RequestSent,
       [](World& w) -> std::string {
         return w.service.close_connection(w.ticket).empty() ? "empty text" : "";
       }},
  };
}

// Both engines: PostgreSQL when QBLINK_TEST_PG is set.
class FaultTest : public ::testing::TestWithParam<std::tuple<Method, store::Engine>> {};

TEST_P(FaultTest, EveryStatementThatFailsGetsAnAnswerNotAnException) {
  const auto& [m, engine] = GetParam();
  QBLINK_SKIP_WITHOUT_PG(engine);
  // How many statements the call runs when nothing fails.
  std::int64_t statements = 0;
  {
    World w(m.stage, engine);
    auto faults = std::make_shared<store::FaultInjector>();
    w.store.set_fault_injector(faults);
    ASSERT_EQ(m.call(w), "");
    statements = faults->statements.load();
  }
  ASSERT_GT(statements, 0);
  for (std::int64_t n = 1; n <= statements; ++n) {
    World w(m.stage, engine);
    auto faults = std::make_shared<store::FaultInjector>();
    faults->fail_at = n;
    w.store.set_fault_injector(faults);
    std::string problem;
    try {
      problem = m.call(w);
    } catch (const std::exception& e) {
      problem = std::string("exception escaped: ") + e.what();
    }
    EXPECT_EQ(faults->failures.load(), 1) << m.name << " statement " << n;
    EXPECT_EQ(problem, "") << m.name << " with statement " << n << " of " << statements
                           << " failing";
    // The service carries on: the next call on a healthy database works.
    w.store.set_fault_injector(nullptr);
    EXPECT_NO_THROW(w.service.get_last_error(w.ticket)) << m.name << " statement " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(WebConnector, FaultTest,
                         ::testing::Combine(::testing::ValuesIn(methods()),
                                            ::testing::Values(store::Engine::Sqlite,
                                                              store::Engine::Postgres)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  test::engine_name(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace qblink::sync

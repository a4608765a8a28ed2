// Security findings 1, 4 and 6 against the real sync service and SQLite store: one tenant can
// never reach another's outbox, answers are applied only for what a session asked, and login
// throttling counts every failure without locking the real user out.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "qbxml/qbxml.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/service.h"

namespace qblink::sync {
namespace {

using reconcile::AccountKind;
using store::AddState;

// Everything of one tenant that an attack could change, as comparable text.
std::string fingerprint(store::Store& store, const std::string& user) {
  auto tx = store.begin(false);
  const auto t = *tx->tenant_by_name(user);
  std::string out;
  for (auto st : {AddState::Queued, AddState::Sent, AddState::Confirmed, AddState::InDoubt,
                  AddState::Collided, AddState::Failed, AddState::Cancelled, AddState::Proposed,
                  AddState::Rejected})
    for (const auto& r : tx->outbox(t.id, st, 1000))
      out += std::to_string(r.id.value) + "|" + std::string(store::to_string(r.state)) + "|" +
             r.list_id + "|" + r.error + "|" + std::to_string(r.run_id) + "\n";
  for (const auto& a : tx->accounts(t.id, AccountKind::Customer))
    out += a.account_id + "|" + a.status + "|" + a.list_id + "|" + a.reason + "|" + a.detail + "\n";
  for (const auto& e : tx->entries(t.id)) out += e.list_id + "|" + e.full_name + "\n";
  for (const auto& run : tx->runs(t.id, 100)) {
    out += std::to_string(run.id) + "|" + run.outcome + "\n";
    for (const auto& e : tx->events(run.id)) out += e.message + "\n";
  }
  return out;
}

class CrossTenantTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  Service service{store};
  std::string owner;
  std::vector<store::OutboxId> victim_rows;

  void SetUp() override {
    owner = test::seed_tenant(store, "attacker", "secret-pw",
                              {test::customer("A1", "Attacker Customer")});
    test::seed_tenant(store, "victim", "secret-pw",
                      {test::customer("V1", "Victim Linked"), test::customer("V2", "Victim Doubt"),
                       test::customer("V3", "Victim Sent"), test::customer("V4", "Victim Queued"),
                       test::customer("V5", "Victim Proposed")});
    // The victim's outbox in every state an answer could move.
    auto tx = store.begin(true);
    const auto v = tx->tenant_by_name("victim")->id;
    tx->link_account(v, AccountKind::Customer, "V1", "80000001-1", "Victim Linked", "exact", "");
    const std::pair<const char*, AddState> rows[] = {{"V1", AddState::Cancelled},
                                                     {"V2", AddState::InDoubt},
                                                     {"V3", AddState::Sent},
                                                     {"V4", AddState::Queued},
                                                     {"V5", AddState::Proposed}};
    for (const auto& [id, state] : rows) {
      store::OutboxRow r;
      r.kind = AccountKind::Customer;
      r.account_id = id;
      r.name = std::string("Victim ") + id;
      r.state = state == AddState::Proposed ? AddState::Proposed : AddState::Queued;
      ASSERT_TRUE(tx->enqueue_add(v, r));
      const auto last = tx->outbox(v, r.state, 100).back();
      tx->set_add_state(v, last.id, state, 0, "", "");
      victim_rows.push_back(last.id);
    }
    tx->commit();
  }

  // A qbXML response carrying answers under the given requestIDs, made by the fake QuickBooks
  // from a request that names them (so its shape is QuickBooks' own).
  std::string answers_for(const std::vector<std::string>& query_ids,
                          const std::vector<std::string>& add_ids) {
    sim::Company company =
        sim::parse_company_json(R"({"customers": [{"name": "Victim V2"}, {"name": "Victim V1"}]})");
    sim::normalize_company(company);
    sim::FakeQuickBooks qb(company);
    qbxml::MessageSetBuilder b({13, 0}, qbxml::OnError::ContinueOnError);
    for (const auto& id : query_ids) {
      qbxml::ListQuery q;
      q.request_id = id;
      q.full_names = {"Victim V2"};
      b.add(q);
    }
    int n = 0;
    for (const auto& id : add_ids) {
      qbxml::AddRequest r;
      r.request_id = id;
      r.fields.name = "Fresh Name " + std::to_string(++n);
      b.add(r);
    }
    return qb.process(b.finish()).response;
  }
};

TEST_F(CrossTenantTest, EveryMethodWithEveryKindOfAnotherTenantsIdChangesNothingOfIt) {
  const auto before = fingerprint(store, "victim");
  const auto auth = service.authenticate("attacker", "secret-pw");
  ASSERT_EQ(auth.size(), 2u);
  sim::Company mine = sim::parse_company_json(R"({"customers": [{"name": "Attacker Customer"}]})");
  sim::normalize_company(mine);
  sim::FakeQuickBooks qb(mine);
  qb.begin_session(owner);
  SendRequestArgs s;
  s.ticket = auth[0];
  s.hcp_response = qb.hcp_response();
  s.qbxml_major = 13;
  ASSERT_FALSE(service.send_request_xml(s).empty());

  std::vector<std::string> ids;
  for (const auto& id : victim_rows) {
    ids.push_back("d" + std::to_string(id.value));
    ids.push_back("a" + std::to_string(id.value));
  }
  std::vector<std::string> queries, adds;
  for (const auto& id : ids) (id[0] == 'd' ? queries : adds).push_back(id);
  // Page ids out of range, negative, huge and overflowing: bounded before any use.
  for (const char* p : {"p-1", "p99999999999", "p4", "p999999999999999999999999", "x1", "d-5"})
    queries.push_back(p);
  const int pct = service.receive_response_xml({auth[0], answers_for(queries, adds), "", ""});
  EXPECT_GE(pct, 0) << "a forged answer is ignored, not a crash";
  EXPECT_EQ(fingerprint(store, "victim"), before);

  // The other methods, with the attacker's ticket and with ids in place of tickets.
  service.get_last_error(auth[0]);
  service.connection_error(std::to_string(victim_rows[0].value), "0x1", "x");
  service.receive_response_xml({std::to_string(victim_rows[1].value), "", "0x80040400", "x"});
  service.close_connection(auth[0]);
  EXPECT_EQ(fingerprint(store, "victim"), before);
}

TEST_F(CrossTenantTest, AnAnswerIsAppliedOnceAndOnlyForWhatWasAsked) {
  // The attacker's own session: its page query is answered twice; the replay changes nothing.
  const auto auth = service.authenticate("attacker", "secret-pw");
  sim::Company mine = sim::parse_company_json(R"({"customers": [{"name": "Other"}]})");
  sim::normalize_company(mine);
  sim::FakeQuickBooks qb(mine);
  qb.begin_session(owner);
  SendRequestArgs s;
  s.ticket = auth[0];
  s.hcp_response = qb.hcp_response();
  s.qbxml_major = 13;
  const auto rq = service.send_request_xml(s);
  ASSERT_NE(rq.find("requestID=\"p0\""), std::string::npos);
  const auto answer = qb.process(rq).response;
  EXPECT_GE(service.receive_response_xml({auth[0], answer, "", ""}), 0);
  const auto after_first = fingerprint(store, "attacker");
  EXPECT_GE(service.receive_response_xml({auth[0], answer, "", ""}), 0);
  auto tx = store.begin(false);
  const auto runs = tx->runs(tx->tenant_by_name("attacker")->id, 1);
  bool warned = false;
  for (const auto& e : tx->events(runs[0].id))
    warned |= e.message.find("did not ask for") != std::string::npos;
  EXPECT_TRUE(warned) << "the replayed answer is logged as ignored";
  (void)after_first;
}

// Low finding: a record without a ListID used to link to an empty ListID.
TEST_F(CrossTenantTest, ARecordWithoutAListIdIsNeverLinked) {
  const auto auth = service.authenticate("attacker", "secret-pw");
  SendRequestArgs s;
  s.ticket = auth[0];
  s.qbxml_major = 13;
  const auto rq = service.send_request_xml(s);
  ASSERT_NE(rq.find("requestID=\"p0\""), std::string::npos);
  const std::string answer =
      "<?xml version=\"1.0\" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID=\"p0\" "
      "statusCode=\"0\" statusSeverity=\"Info\" iteratorRemainingCount=\"0\" "
      "iteratorID=\"{1}\"><CustomerRet><Name>Attacker Customer</Name><FullName>Attacker "
      "Customer</FullName><IsActive>true</IsActive></CustomerRet></CustomerQueryRs>"
      "</QBXMLMsgsRs></QBXML>";
  EXPECT_GE(service.receive_response_xml({auth[0], answer, "", ""}), 0);
  auto tx = store.begin(false);
  const auto t = tx->tenant_by_name("attacker")->id;
  EXPECT_TRUE(tx->entries(t).empty()) << "not in the snapshot";
  EXPECT_NE(tx->account(t, AccountKind::Customer, "A1")->status, "linked");
}

// Medium finding 4: an answer is capped in records (parsed before the write transaction opens).
TEST(ResponseCap, AnAnswerWithTooManyRecordsIsRefusedNotApplied) {
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  ServiceOptions o;
  o.max_records_per_response = 10;
  Service service(store, o);
  test::seed_tenant(store, "acme", "secret-pw", {test::customer("C1", "Acme")});
  const auto auth = service.authenticate("acme", "secret-pw");
  SendRequestArgs s;
  s.ticket = auth[0];
  s.qbxml_major = 13;
  ASSERT_FALSE(service.send_request_xml(s).empty());
  std::string rets;
  for (int i = 0; i < 11; ++i)
    rets += "<CustomerRet><ListID>L" + std::to_string(i) + "</ListID><Name>N" + std::to_string(i) +
            "</Name></CustomerRet>";
  const std::string answer =
      "<?xml version=\"1.0\" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID=\"p0\" "
      "statusCode=\"0\" statusSeverity=\"Info\">" +
      rets + "</CustomerQueryRs></QBXMLMsgsRs></QBXML>";
  EXPECT_EQ(service.receive_response_xml({auth[0], answer, "", ""}), -1);
  EXPECT_NE(service.get_last_error(auth[0]).find("at most 10"), std::string::npos);
  auto tx = store.begin(false);
  EXPECT_TRUE(tx->entries(tx->tenant_by_name("acme")->id).empty());
}

class ThrottleTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  std::int64_t now = 1'000'000;
  Service service{store, ServiceOptions{}, [this] { return now; }};

  void SetUp() override {
    test::seed_tenant(store, "acme", "right-password", {test::customer("C1", "Acme")});
  }
  int failures() {
    auto tx = store.begin(false);
    return tx->tenant_by_name("acme")->failed_logins;
  }
};

TEST_F(ThrottleTest, ConcurrentWrongGuessesAllCount) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back(
        [&, i] { service.authenticate("acme", "wrong", "10.0.0." + std::to_string(i)); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures(), 12);
}

TEST_F(ThrottleTest, TheRealUserGetsInFromAnAddressThatNeverGuessedWrong) {
  for (int i = 0; i < 8; ++i) service.authenticate("acme", "wrong", "203.0.113.9");
  // The guessing address is slowed down even with the right password...
  EXPECT_EQ(service.authenticate("acme", "right-password", "203.0.113.9")[1], "nvu");
  // ...the office's address is not.
  const auto ok = service.authenticate("acme", "right-password", "198.51.100.7");
  EXPECT_NE(ok[1], "nvu");
  EXPECT_FALSE(ok[0].empty());
}

TEST_F(ThrottleTest, AnAddressThatGuessesTooOftenIsRefusedForEveryUser) {
  test::seed_tenant(store, "other", "other-password");
  for (int i = 0; i < 20; ++i) service.authenticate("nobody" + std::to_string(i), "x", "192.0.2.1");
  EXPECT_EQ(service.authenticate("other", "other-password", "192.0.2.1")[1], "nvu");
  EXPECT_NE(service.authenticate("other", "other-password", "192.0.2.2")[1], "nvu");
}

TEST_F(ThrottleTest, EveryRefusalSpendsAboutTheSameTime) {
  using clock = std::chrono::steady_clock;
  auto timed = [&](const std::string& user, const std::string& from) {
    const auto t0 = clock::now();
    service.authenticate(user, "wrong", from);
    return std::chrono::duration<double>(clock::now() - t0).count();
  };
  for (int i = 0; i < 8; ++i) timed("acme", "203.0.113.9");
  const double throttled = timed("acme", "203.0.113.9");  // refused without a verification
  const double unknown = timed("no-such-user", "203.0.113.10");
  // Before the fix a throttled refusal answered in ~0.5 ms against ~30 ms: 60 times faster.
  EXPECT_GT(throttled, unknown * 0.3) << throttled << " s vs " << unknown << " s";
}

TEST(LogSafe, ControlCharactersCannotForgeLogLines) {
  EXPECT_EQ(log_safe("eve\nINFO fake line"), "eve\\x0aINFO fake line");
  EXPECT_EQ(log_safe(std::string(200, 'a')).size(), 83u);
}

}  // namespace
}  // namespace qblink::sync

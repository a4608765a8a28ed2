#pragma once
// End-to-end harness: a real qblink server (HTTP or HTTPS on loopback) and the simulated Web
// Connector + QuickBooks company driving it. The store is a SQLite file, or with
// QBLINK_TEST_STORE=pg a fresh schema on the QBLINK_TEST_PG server (ctest runs the whole suite
// both ways: the pg.* tests).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/endpoint.h"
#include "http/server.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"
#include "store/guid.h"
#include "store/store.h"
#include "support/pg_support.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/auth.h"
#include "sync/service.h"

namespace qblink::test {

// The engine this run of the suite uses: QBLINK_TEST_STORE=pg selects PostgreSQL.
inline store::Engine e2e_engine() {
  const char* v = std::getenv("QBLINK_TEST_STORE");
  return v && std::string(v) == "pg" ? store::Engine::Postgres : store::Engine::Sqlite;
}

// A PostgreSQL run without a server to run on is skipped as a whole (never passes vacuously
// in CI: CI sets QBLINK_TEST_PG).
class E2eEngineEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { QBLINK_SKIP_WITHOUT_PG(e2e_engine()); }
};
inline ::testing::Environment* const kE2eEngineEnvironment =
    ::testing::AddGlobalTestEnvironment(new E2eEngineEnvironment);

struct Acct {
  std::string id, name, accounting_name;
};

class Harness {
 public:
  // A server on a fresh database, or on `existing_db` (a restart with other options).
  explicit Harness(bool tls = false, sync::ServiceOptions options = {},
                   const std::string& existing_db = "") {
    if (existing_db.empty()) database.emplace(e2e_engine());
    db_path = existing_db.empty() ? database->db() : existing_db;
    store = store::open(db_path);
    service = std::make_unique<sync::Service>(*store, options);
    start_server(tls);
    auto tx = store->begin(true);
    owner_id = tx->owner_id();
    tx->commit();
  }
  ~Harness() {
    if (server) server->stop();
  }

  void start_server(bool tls) {
    http::ServerOptions o;
    o.port = 0;
    if (tls) {
      o.tls_cert = test_cert().cert_file;
      o.tls_key = test_cert().key_file;
    }
    cli::EndpointOptions eo;
    eo.body_limit = o.body_limit;
    eo.api_store = store.get();
    server = std::make_unique<http::Server>(o, cli::make_endpoint(*service, eo));
    server->start();
    url = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server->port()) +
          "/qbwc";
  }

  void add_tenant(const std::string& user, const std::string& password = "secret-pw") {
    seed_tenant(*store, user, password);
  }

  void add_accounts(const std::string& user, reconcile::AccountKind kind,
                    const std::vector<Acct>& accounts) {
    auto tx = store->begin(true);
    const auto t = tx->tenant_by_name(user);
    for (const auto& a : accounts) {
      store::AccountRow row;
      row.kind = kind;
      row.account_id = a.id;
      row.name = a.name;
      row.accounting_name = a.accounting_name;
      tx->upsert_account(t->id, row);
    }
    tx->commit();
  }

  std::vector<store::AccountRow> accounts(
      const std::string& user, reconcile::AccountKind kind = reconcile::AccountKind::Customer) {
    auto tx = store->begin(false);
    return tx->accounts(tx->tenant_by_name(user)->id, kind);
  }

  store::AccountRow account(const std::string& user, const std::string& id,
                            reconcile::AccountKind kind = reconcile::AccountKind::Customer) {
    auto tx = store->begin(false);
    auto a = tx->account(tx->tenant_by_name(user)->id, kind, id);
    if (!a) throw std::runtime_error("no account " + id);
    return *a;
  }

  std::vector<store::RunRow> runs(const std::string& user) {
    auto tx = store->begin(false);
    return tx->runs(tx->tenant_by_name(user)->id, 100);
  }

  std::vector<store::EventRow> events(store::RunId run) {
    auto tx = store->begin(false);
    return tx->events(run);
  }

  sim::WebConnectorOptions wc_options(const std::string& user,
                                      const std::string& password = "secret-pw") const {
    sim::WebConnectorOptions o;
    o.url = url;
    o.user = user;
    o.password = password;
    o.owner_id = owner_id;
    o.noop_pause_ms = 0;
    return o;
  }

  TempDir dir;
  std::optional<TestDatabase> database;  // unless started on an existing one
  std::string db_path;                   // a file or a postgresql:// URI
  std::unique_ptr<store::Store> store;
  std::unique_ptr<sync::Service> service;
  std::unique_ptr<http::Server> server;
  std::string url;
  std::string owner_id;
};

// A company from JSON text (normalised: ListIDs, times filled in).
inline sim::Company company_from(const std::string& json) {
  auto c = sim::parse_company_json(json, "test company");
  sim::normalize_company(c);
  return c;
}

inline std::size_t count_named(const std::vector<sim::Entity>& list, const std::string& full_name) {
  std::size_t n = 0;
  for (const auto& e : list) n += e.full_name == full_name;
  return n;
}

// The qbXML XSD folder when the reference is present (the fake then validates every request).
inline sim::FakeQuickBooksOptions strict_qb() {
  sim::FakeQuickBooksOptions o;
  if (has_reference()) o.xsd_dir = reference_dir() / "qbxml/13.0";
  return o;
}

}  // namespace qblink::test

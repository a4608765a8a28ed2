// GET /metrics on a large installation (issue 12): the per-tenant gauges come from one grouped
// query (Store::tenant_status). This seeds TENANTS tenants with ACCOUNTS accounts each (a tenth
// in review), a few proposed adds and twenty runs each, then times the query and the whole
// exposition text, as the /metrics route builds it.
//   build/bench/metrics_driver [TENANTS=2000] [ACCOUNTS=250]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "obs/metrics.h"
#include "store/database.h"
#include "store/store.h"

int main(int argc, char** argv) {
  using namespace qblink;
  const int tenants = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int accounts = argc > 2 ? std::atoi(argv[2]) : 250;
  const auto dir = std::filesystem::temp_directory_path() / "qblink-metrics-driver";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "q.db").string();
  store::SqliteStore store(path);  // creates the schema
  {
    store::Database db(path);
    store::Transaction tx(db);
    db.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
          "INSERT INTO tenants(username, password_hash, file_id) "
          "SELECT 'tenant' || i, 'x', 'f' || i FROM n")
        .bind_all(tenants)
        .run();
    db.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
          "INSERT INTO accounts(tenant_id, kind, account_id, name, status) "
          "SELECT t.id, 0, 'A' || n.i, 'Account ' || n.i, "
          "CASE WHEN n.i % 10 = 0 THEN 'review' ELSE 'linked' END FROM tenants t, n")
        .bind_all(accounts)
        .run();
    db.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
          "INSERT INTO outbox(tenant_id, kind, account_id, name, state) "
          "SELECT t.id, 0, 'N' || n.i, 'New ' || n.i, CASE WHEN n.i % 2 = 0 THEN ?1 ELSE 2 END "
          "FROM tenants t, n")
        .bind_all(static_cast<std::int64_t>(store::AddState::Proposed))
        .run();
    db.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) "
          "INSERT INTO runs(tenant_id, started_at, ended_at, outcome) "
          "SELECT t.id, 1700000000 + n.i * 3600, 1700000060 + n.i * 3600, "
          "CASE WHEN n.i % 4 = 0 THEN 'failed' ELSE 'ok' END FROM tenants t, n")
        .run();
    tx.commit();
  }
  std::printf("%d tenants x %d accounts (%lld accounts), 20 runs and 5 adds each\n", tenants,
              accounts, static_cast<long long>(tenants) * accounts);
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto rows = store.tenant_status();
    const auto t1 = std::chrono::steady_clock::now();
    std::vector<obs::TenantGauge> gauges;
    for (const auto& r : rows)
      gauges.push_back({r.username, r.review, r.awaiting_approval, r.last_success});
    std::string text = obs::metrics().text();
    obs::write_tenant_gauges(text, gauges);
    const auto t2 = std::chrono::steady_clock::now();
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("round %d: tenant_status %.1f ms (%zu rows), exposition %.1f ms, %zu bytes\n",
                round, ms(t1 - t0), rows.size(), ms(t2 - t1), text.size());
  }
  std::filesystem::remove_all(dir);
  return 0;
}

// What GET /metrics reads from the store at scrape time (issue 12): every tenant's queue sizes
// and last successful run in one statement, however many tenants there are.
#include "store/database.h"
#include "store/store.h"

namespace qblink::store {

std::vector<Store::TenantStatus> SqliteStore::tenant_status() {
  Database db(path_);
  // Grouped subqueries joined once: a few scans for the whole installation, never one query
  // per tenant. One statement is one consistent read snapshot (WAL).
  auto s = db.prepare(
      "SELECT t.username, COALESCE(a.n, 0), COALESCE(o.n, 0), COALESCE(r.last, 0) FROM tenants t "
      "LEFT JOIN (SELECT tenant_id, count(*) AS n FROM accounts WHERE status = 'review' "
      "GROUP BY tenant_id) a ON a.tenant_id = t.id "
      "LEFT JOIN (SELECT tenant_id, count(*) AS n FROM outbox WHERE state = ?1 "
      "GROUP BY tenant_id) o ON o.tenant_id = t.id "
      "LEFT JOIN (SELECT tenant_id, max(ended_at) AS last FROM runs WHERE outcome = 'ok' "
      "GROUP BY tenant_id) r ON r.tenant_id = t.id "
      "ORDER BY t.username");
  s.bind_all(static_cast<std::int64_t>(AddState::Proposed));
  std::vector<TenantStatus> out;
  while (s.step()) {
    TenantStatus t;
    t.username = s.text(0);
    t.review = s.integer(1);
    t.awaiting_approval = s.integer(2);
    t.last_success = s.integer(3);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace qblink::store

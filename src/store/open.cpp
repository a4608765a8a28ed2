// store::open: the --db text picks the engine; and what both engines' Tx share.
#include <string_view>

#include "store/pg_store.h"
#include "store/store.h"

namespace qblink::store {

std::vector<AccountRow> Tx::accounts(TenantId tenant, reconcile::AccountKind kind) {
  std::vector<AccountRow> out;
  for_each_account(tenant, kind, [&out](AccountRow&& r) { out.push_back(std::move(r)); });
  return out;
}

std::vector<QbRow> Tx::entries(TenantId tenant) {
  std::vector<QbRow> out;
  for_each_entry(tenant, [&out](QbRow&& r) { out.push_back(std::move(r)); });
  return out;
}

bool is_postgres_uri(const std::string& db) {
  const std::string_view v(db);
  return v.starts_with("postgresql://") || v.starts_with("postgres://");
}

std::string redact(const std::string& db) {
  std::string out = db;
  // user:PASSWORD@host in the URI's authority.
  if (is_postgres_uri(out)) {
    const auto start = out.find("://") + 3;
    const auto end = out.find_first_of("/?", start);
    const auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=VALUE as a URI parameter or a key=value pair.
  for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    const auto value = pos + 9;
    const auto end = out.find_first_of("& ", value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    pos = value + 3;
  }
  return out;
}

std::unique_ptr<Store> open(const std::string& db, OpenOptions options) {
  if (is_postgres_uri(db)) return std::make_unique<PostgresStore>(db, options);
  return std::make_unique<SqliteStore>(db, options);
}

}  // namespace qblink::store

// qblink copy: a whole installation from one store to another (SQLite <-> PostgreSQL), every
// table with its ids, in one write transaction on the target.
#include <algorithm>

#include "store/store.h"

namespace qblink::store {

std::vector<TableCount> copy_installation(Store& from, Store& to) {
  const int version = latest_schema_version();
  if (from.schema_version() != version)
    throw Error("the source " + from.describe() + " has schema version " +
                std::to_string(from.schema_version()) + ", not " + std::to_string(version) +
                ": run qblink migrate on it first");
  if (to.schema_version() != version)
    throw Error("the target " + to.describe() + " has schema version " +
                std::to_string(to.schema_version()) + ", not " + std::to_string(version));
  auto src = from.begin(false);  // one snapshot of the whole source
  auto dst = to.begin(true);
  auto tables = src->raw_tables();
  if (tables != dst->raw_tables())
    throw Error("the source and the target do not have the same tables");
  // Parents first: every other table refers to tenants.
  std::stable_partition(tables.begin(), tables.end(),
                        [](const std::string& t) { return t == "meta" || t == "tenants"; });
  for (const auto& t : tables)
    if (dst->raw_count(t) != 0)
      throw Error("the target " + to.describe() + " is not empty (table " + t +
                  " has rows): qblink copy only fills a new database");
  std::vector<TableCount> counts;
  for (const auto& t : tables) {
    auto columns = src->raw_columns(t);
    auto target_columns = dst->raw_columns(t);
    std::sort(columns.begin(), columns.end());
    std::sort(target_columns.begin(), target_columns.end());
    if (columns != target_columns)
      throw Error("table " + t + " has other columns in the source than in the target");
    const std::int64_t expected = src->raw_count(t);
    src->raw_rows(t, columns, [&](const Tx::RawRow& row) { dst->raw_insert(t, columns, row); });
    const std::int64_t copied = dst->raw_count(t);
    if (copied != expected)
      throw Error("table " + t + ": " + std::to_string(copied) + " rows arrived of " +
                  std::to_string(expected) + "; nothing was written");
    counts.push_back({t, expected});
  }
  dst->raw_fix_sequences();
  dst->commit();
  auto check = to.begin(false);
  for (const auto& c : counts)
    if (check->raw_count(c.table) != c.rows)
      throw Error("table " + c.table + " lost rows on commit in " + to.describe());
  return counts;
}

}  // namespace qblink::store

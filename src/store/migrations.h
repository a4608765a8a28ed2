#pragma once
// Internal to store/: the versioned schema history for both engines (migrations.cpp).
#include <span>

namespace qblink::store {

struct Migration {
  const char* sqlite;    // SQLite DDL taking the schema from version i to i + 1
  const char* postgres;  // the same step on PostgreSQL
};

// Entry i (0-based) takes the schema from version i to i + 1.
std::span<const Migration> migrations();

}  // namespace qblink::store

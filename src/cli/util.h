#pragma once
// Small helpers shared by the command files.
#include <memory>
#include <string>

#include "store/store.h"

namespace qblink::cli {

std::unique_ptr<store::Store> open_store(const std::string& path);
// The tenant named `user`, or a cli::Error naming it.
store::Tenant require_tenant(store::Tx& tx, const std::string& user);
// "2026-11-25 18:17:47" (UTC) for tables; "" for 0.
std::string format_time(std::int64_t unix_seconds);
// Pads or cuts (by UTF-8 characters) for aligned tables.
std::string cell(const std::string& text, std::size_t width);

}  // namespace qblink::cli

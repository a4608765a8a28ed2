#pragma once
// Small helpers shared by the command files.
#include <memory>
#include <string>
#include <string_view>

#include "admin/service.h"
#include "cli/commands.h"
#include "store/store.h"

namespace qblink::cli {

std::unique_ptr<store::Store> open_store(const std::string& path);
// Only `user add`, `token create --admin` and `serve` may create the database: every other
// command reads it or needs a user, who cannot be in a new one.
enum class Access { Existing, MayCreate };
// Existing: a SQLite file that is not there is a cli::Error naming --db and where its value came
// from, and nothing is created. A URI (postgresql://...) is passed through to the store.
std::unique_ptr<store::Store> open_store(const Context& ctx, Access access);
void require_database(const Context& ctx);
// The tenant named `user`, or a cli::NotFound naming it (run() adds the database).
store::Tenant require_tenant(store::Tx& tx, const std::string& user);
// "2026-11-25 18:17:47" (UTC) for tables; "" for 0.
std::string format_time(std::int64_t unix_seconds);
// Pads or cuts (by UTF-8 characters) for aligned tables; control characters escaped.
std::string cell(const std::string& text, std::size_t width);
// Text from the database or QuickBooks made safe for a terminal: control characters (C0, DEL,
// C1) and invalid UTF-8 bytes as \xNN, so a name cannot move the cursor or forge output lines.
std::string terminal_safe(std::string_view text);
// "customer" or "supplier", else a cli::Error.
reconcile::AccountKind parse_kind(const std::string& kind);
// Like cell() but a cut text ends with an ellipsis ("…"), so a table says it was cut.
std::string fit(const std::string& text, std::size_t width);
// Whether standard input / output is a terminal.
bool stdin_is_terminal();
bool stdout_is_terminal();
// A command group (user, customers, ...) that answers "unknown subcommand X" with the real ones,
// "a subcommand is required" with the list, and refuses stray arguments, before anything runs.
// Replaces require_subcommand(1). `also` is added to the list (e.g. "USER to see the queue").
void explain_subcommands(CLI::App* group, bool required = true, const std::string& also = "");
// --since: "2026-11-25", "2026-11-25 18:00[:00]" or "2026-11-25T18:00[:00][Z]" (UTC), or an age
// "90m", "12h", "7d". Returns unix seconds, or a cli::Error.
std::int64_t parse_since(const std::string& text, std::int64_t now);
// Runs an admin::Service call; its errors become one-line cli::Errors (a batch error lists the
// first rows it refused).
template <typename F>
auto run_admin(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const admin::BatchError& e) {
    std::string text = e.what();
    std::size_t shown = 0;
    for (const auto& r : e.rows) {
      if (++shown > 10) {
        text += "; ...";
        break;
      }
      text += "; row " + std::to_string(r.row) +
              (r.account_id.empty() ? "" : " (" + r.account_id + ")") + ": " + r.message;
    }
    throw Error(terminal_safe(text));
  } catch (const admin::Error& e) {
    if (e.kind == admin::ErrorKind::NotFound) throw NotFound(terminal_safe(e.what()));
    throw Error(terminal_safe(e.what()));
  }
}

}  // namespace qblink::cli

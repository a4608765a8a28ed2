// qblink customers|suppliers import|link|list: the app's accounts and their link state.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/csv.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

using reconcile::AccountKind;

constexpr const char* kColumns[] = {
    "account_id", "name",  "accounting_name", "company_name", "first_name",
    "last_name",  "phone", "email",           "addr1",        "addr2",
    "city",       "state", "postal_code",     "country"};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// All or nothing: every row is checked before anything is written.
std::vector<store::AccountRow> parse_accounts(AccountKind kind, const std::string& path) {
  const auto text = read_all(path);
  if (!valid_utf8(text)) throw Error(path + ": not UTF-8 (save the CSV as UTF-8)");
  const auto rows = parse_csv(text);
  if (rows.empty()) throw Error(path + ": empty file (a header row is required)");
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
    const auto& h = rows[0].fields[i];
    bool known = false;
    for (auto* c : kColumns) known |= h == c;
    if (!known)
      throw Error(path + " line 1: unknown column '" + h +
                  "' (columns: account_id,name,accounting_name and optional contact fields)");
    if (col.count(h)) throw Error(path + " line 1: column '" + h + "' appears twice");
    col[h] = i;
  }
  for (auto* need : {"account_id", "name"})
    if (!col.count(need)) throw Error(path + " line 1: missing column '" + std::string(need) + "'");

  std::vector<store::AccountRow> out;
  std::map<std::string, std::size_t> seen;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string where = path + " line " + std::to_string(row.line);
    if (row.fields.size() != rows[0].fields.size())
      throw Error(where + ": " + std::to_string(row.fields.size()) + " fields, the header has " +
                  std::to_string(rows[0].fields.size()));
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() ? std::string() : row.fields[it->second];
    };
    store::AccountRow a;
    a.kind = kind;
    a.account_id = get("account_id");
    a.name = get("name");
    a.accounting_name = get("accounting_name");
    a.company_name = get("company_name");
    a.first_name = get("first_name");
    a.last_name = get("last_name");
    a.phone = get("phone");
    a.email = get("email");
    a.addr1 = get("addr1");
    a.addr2 = get("addr2");
    a.city = get("city");
    a.state = get("state");
    a.postal_code = get("postal_code");
    a.country = get("country");
    if (auto why = admin::Service::invalid_account(a))
      throw Error(where + ": " + terminal_safe(*why));
    if (auto [it, fresh] = seen.emplace(a.account_id, row.line); !fresh)
      throw Error(where + ": account_id '" + a.account_id + "' already on line " +
                  std::to_string(it->second));
    out.push_back(std::move(a));
  }
  return out;
}

void print_list(AccountKind kind, const std::vector<store::AccountRow>& rows, bool json) {
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& a : rows)
      arr.push_back({{"account_id", a.account_id},
                     {"name", a.name},
                     {"accounting_name", a.accounting_name},
                     {"status", a.status},
                     {"list_id", a.list_id},
                     {"qb_full_name", a.qb_full_name},
                     {"reason", a.reason}});
    std::cout << arr.dump(2) << "\n";
    return;
  }
  if (rows.empty()) {
    std::cout << "no " << reconcile::to_string(kind) << "s yet\n";
    return;
  }
  std::cout << cell("ACCOUNT", 12) << "  " << cell("NAME", 30) << "  " << cell("STATUS", 7) << "  "
            << cell("QUICKBOOKS NAME", 30) << "  REASON\n";
  for (const auto& a : rows)
    std::cout << cell(a.account_id, 12) << "  " << cell(a.name, 30) << "  " << cell(a.status, 7)
              << "  " << cell(a.qb_full_name, 30) << "  " << terminal_safe(a.reason) << "\n";
}

void add_group(CLI::App& app, Context& ctx, AccountKind kind, const char* group, const char* what) {
  auto* g = app.add_subcommand(group, what);
  g->require_subcommand(1);

  struct Args {
    std::string user, file, account_id, qb_name;
    bool json = false;
  };
  auto a = std::make_shared<Args>();

  auto* cmd = g->add_subcommand("import", "Upsert accounts from a UTF-8 CSV (all or nothing)");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("FILE", a->file, "CSV: account_id,name,accounting_name[,contact fields]")
      ->required();
  cmd->callback([a, &ctx, kind] {
    const auto rows = parse_accounts(kind, a->file);
    auto store = open_store(ctx.db_path);
    admin::Service service(*store);
    const auto n = run_admin([&] { return service.upsert_accounts(a->user, kind, rows); });
    std::cout << "imported " << rows.size() << " " << reconcile::to_string(kind)
              << (rows.size() == 1 ? "" : "s") << " for " << a->user << ": " << n.added
              << " added, " << n.updated << " updated, " << n.unchanged << " unchanged\n";
  });

  cmd = g->add_subcommand("link", "Set the accounting name (exact QuickBooks name) of an account");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("ACCOUNT_ID", a->account_id)->required();
  cmd->add_option("QB_NAME", a->qb_name, "The exact QuickBooks name, spaces included")->required();
  cmd->callback([a, &ctx, kind] {
    auto store = open_store(ctx.db_path);
    admin::Service service(*store);
    run_admin(
        [&] { return service.set_accounting_name(a->user, kind, a->account_id, a->qb_name); });
    std::cout << reconcile::to_string(kind) << " " << terminal_safe(a->account_id)
              << ": accounting name set to \"" << terminal_safe(a->qb_name)
              << "\"; the next sync links it\n";
  });

  cmd = g->add_subcommand("list", "Accounts with their link status");
  cmd->add_option("USER", a->user)->required();
  cmd->add_flag("--json", a->json, "JSON array of objects");
  cmd->callback([a, &ctx, kind] {
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(false);
    const auto t = require_tenant(*tx, a->user);
    print_list(kind, tx->accounts(t.id, kind), a->json);
  });
}

}  // namespace

void add_account_commands(CLI::App& app, Context& ctx) {
  add_group(app, ctx, AccountKind::Customer, "customers",
            "The app's customers (QuickBooks customers)");
  add_group(app, ctx, AccountKind::Supplier, "suppliers",
            "The app's suppliers (QuickBooks vendors)");
}

}  // namespace qblink::cli

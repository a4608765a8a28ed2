// qblink quickbooks list USER: the QuickBooks snapshot qblink holds (ListID, FullName, IsActive,
// contact fields) with the app account linked to each entry, as a table, JSON or CSV; and, with
// --for-import, the file the app imports to create (and then link) the accounts it lacks.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/csv.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

using reconcile::AccountKind;
using reconcile::QbList;

struct QuickBooksArgs {
  std::string user, kind;
  bool unlinked = false, csv = false, json = false, for_import = false, inactive = false;
};

struct Linked {
  std::string kind, account_id;
};

void write_csv_row(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i)
    std::cout << (i ? "," : "") << csv_field(fields[i]);
  std::cout << "\r\n";
}

void list(Context& ctx, const QuickBooksArgs& a) {
  if (a.csv + a.json + a.for_import > 1)
    throw Error("quickbooks list: choose one of --csv, --json, --for-import");
  std::optional<QbList> only;
  if (!a.kind.empty()) only = reconcile::list_for(parse_kind(a.kind));
  if (a.for_import && !only)
    throw Error(
        "quickbooks list --for-import needs --kind customer|supplier: the file goes to "
        "`qblink customers import` or `qblink suppliers import`");
  auto store = open_store(ctx, Access::Existing);
  auto tx = store->begin(false);
  const auto t = require_tenant(*tx, a.user);
  std::map<std::string, Linked> linked;  // ListID -> account
  for (const auto kind : {AccountKind::Customer, AccountKind::Supplier})
    for (const auto& acc : tx->accounts(t.id, kind))
      if (!acc.list_id.empty())
        linked[acc.list_id] = {std::string(reconcile::to_string(kind)), acc.account_id};
  auto entries = tx->entries(t.id);
  std::size_t left_inactive = 0;
  std::erase_if(entries, [&](const store::QbRow& e) {
    if (only && e.list != *only) return true;
    if ((a.unlinked || a.for_import) && linked.count(e.list_id)) return true;
    if (a.for_import && !e.is_active && !a.inactive) return ++left_inactive, true;
    return false;
  });
  std::stable_sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
    return std::tie(x.list, x.full_name) < std::tie(y.list, y.full_name);
  });
  auto account_of = [&](const store::QbRow& e) {
    const auto it = linked.find(e.list_id);
    return it == linked.end() ? std::string() : it->second.account_id;
  };

  if (a.for_import) {
    // Our import's columns: account_id left empty for the app to fill, accounting_name the
    // exact FullName (so that the re-imported account links at once).
    write_csv_row({"account_id", "name", "accounting_name", "company_name", "first_name",
                   "last_name", "phone", "email", "addr1", "postal_code"});
    for (const auto& e : entries)
      write_csv_row({"", e.company_name.empty() ? e.name : e.company_name, e.full_name,
                     e.company_name, e.first_name, e.last_name, e.phone, e.email, e.addr1,
                     e.postal_code});
    if (left_inactive)
      std::cerr << "note: " << left_inactive << " inactive QuickBooks entr"
                << (left_inactive == 1 ? "y" : "ies") << " left out (--include-inactive)\n";
    return;
  }
  if (a.csv) {
    write_csv_row({"list", "list_id", "full_name", "name", "is_active", "company_name",
                   "first_name", "last_name", "phone", "alt_phone", "email", "addr1", "postal_code",
                   "account_id"});
    for (const auto& e : entries)
      write_csv_row({std::string(reconcile::to_string(e.list)), e.list_id, e.full_name, e.name,
                     e.is_active ? "true" : "false", e.company_name, e.first_name, e.last_name,
                     e.phone, e.alt_phone, e.email, e.addr1, e.postal_code, account_of(e)});
    return;
  }
  if (a.json) {
    auto arr = nlohmann::json::array();
    for (const auto& e : entries) {
      const auto it = linked.find(e.list_id);
      arr.push_back({{"list", std::string(reconcile::to_string(e.list))},
                     {"list_id", e.list_id},
                     {"full_name", e.full_name},
                     {"name", e.name},
                     {"parent_list_id", e.parent_list_id},
                     {"is_active", e.is_active},
                     {"company_name", e.company_name},
                     {"first_name", e.first_name},
                     {"last_name", e.last_name},
                     {"phone", e.phone},
                     {"alt_phone", e.alt_phone},
                     {"email", e.email},
                     {"addr1", e.addr1},
                     {"postal_code", e.postal_code},
                     {"account_id", it == linked.end() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(it->second.account_id)}});
    }
    std::cout << arr.dump(2) << "\n";
    return;
  }
  if (entries.empty()) {
    std::cout << "no QuickBooks entries" << (a.unlinked ? " without a link" : "") << " for "
              << terminal_safe(a.user)
              << (a.unlinked ? "" : " yet (the first Web Connector run reads them)") << "\n";
    return;
  }
  // 100 columns: 10 + 20 + 32 + 6 + 12 + 10 and five gaps of 2.
  std::cout << fit("LIST", 10) << "  " << fit("LISTID", 20) << "  " << fit("FULL NAME", 32) << "  "
            << fit("ACTIVE", 6) << "  " << fit("ACCOUNT", 12) << "  PHONE\n";
  for (const auto& e : entries)
    std::cout << fit(std::string(reconcile::to_string(e.list)), 10) << "  " << fit(e.list_id, 20)
              << "  " << fit(e.full_name, 32) << "  " << fit(e.is_active ? "yes" : "no", 6) << "  "
              << fit(account_of(e), 12) << "  " << fit(e.phone, 10) << "\n";
  std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies")
            << "; --json or --csv for every field\n";
}

}  // namespace

void add_quickbooks_commands(CLI::App& app, Context& ctx) {
  auto* qb = app.add_subcommand("quickbooks", "The QuickBooks side: the snapshot qblink holds");
  explain_subcommands(qb);
  auto a = std::make_shared<QuickBooksArgs>();
  auto* cmd = qb->add_subcommand(
      "list", "QuickBooks entries (ListID, FullName, IsActive, contact fields, linked account)");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("--kind", a->kind, "customer or supplier (QuickBooks vendors); default all lists")
      ->check(CLI::IsMember({"customer", "supplier"}));
  cmd->add_flag("--unlinked", a->unlinked, "Only entries no account is linked to");
  cmd->add_flag("--csv", a->csv, "CSV (UTF-8) with every field");
  cmd->add_flag("--json", a->json, "JSON array of objects");
  cmd->add_flag("--for-import", a->for_import,
                "CSV for `customers|suppliers import` of the unlinked entries: account_id empty "
                "for the app to fill, accounting_name = FullName (needs --kind)");
  cmd->add_flag("--include-inactive", a->inactive, "With --for-import: inactive entries too");
  cmd->callback([a, &ctx] { list(ctx, *a); });
}

}  // namespace qblink::cli

// qblink customers|suppliers import|link|list: the app's accounts and their link state.
#include <CLI/CLI.hpp>

#include <algorithm>
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

// A header as compared: lower case, without spaces, '_', '-' and '.' ("E-mail " -> "email").
std::string header_key(std::string_view h) {
  std::string k;
  for (const char c : h) {
    if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t') continue;
    k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return k;
}

// Our column for a header key (a column name or a known synonym), or "".
std::string column_for(const std::string& key) {
  static const std::map<std::string, std::string> synonyms = [] {
    std::map<std::string, std::string> m;
    for (auto* c : kColumns) m[header_key(c)] = c;
    const std::pair<const char*, std::vector<const char*>> extra[] = {
        {"account_id",
         {"accountref", "accountreference", "accountno", "accountnumber", "id", "customerid",
          "supplierid", "vendorid", "customerref", "supplierref", "externalid"}},
        {"name",
         {"customername", "suppliername", "vendorname", "accountname", "displayname", "customer",
          "supplier", "vendor"}},
        {"accounting_name",
         {"quickbooksname", "qbname", "accountingsetup", "qbfullname", "quickbooksfullname"}},
        {"company_name", {"company", "businessname", "organisation", "organization"}},
        {"first_name", {"firstname", "givenname", "forename"}},
        {"last_name", {"lastname", "surname", "familyname"}},
        {"phone", {"phonenumber", "tel", "telephone", "telephonenumber", "phoneno"}},
        {"email", {"emailaddress", "mail", "e-mail"}},
        {"addr1", {"address", "address1", "addressline1", "street", "streetaddress"}},
        {"addr2", {"address2", "addressline2"}},
        {"city", {"town"}},
        {"state", {"province", "county", "region", "stateprovince"}},
        {"postal_code", {"zip", "zipcode", "postcode", "postalcode"}},
        {"country", {"countryregion"}}};
    for (const auto& [col, keys] : extra)
      for (auto* k : keys) m[header_key(k)] = col;
    return m;
  }();
  const auto it = synonyms.find(key);
  return it == synonyms.end() ? std::string() : it->second;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "'" : ", '") + terminal_safe(i) + "'";
  return out;
}

struct ImportOptions {
  std::string encoding, delimiter;
  std::vector<std::string> map;  // app_col=our_col
  bool strict = false;
};

struct ParsedAccounts {
  std::vector<store::AccountRow> rows;
  std::vector<std::string> notes;      // what was understood (encoding, delimiter, mapping)
  std::vector<std::string> warnings;   // what was ignored
  std::vector<std::string> refused;    // "line N: why", one per bad row
  std::vector<std::size_t> row_lines;  // line of each row in `rows`
};

// Every row is checked before anything is written; bad rows are collected in `refused`.
ParsedAccounts parse_accounts(AccountKind kind, const std::string& path, const ImportOptions& o) {
  ParsedAccounts out;
  const auto decoded = decode_text(read_all(path), o.encoding, path);
  if (decoded.guessed)
    out.warnings.push_back(path + " is not UTF-8: read as " + decoded.encoding +
                           " (say --encoding if that is wrong)");
  else if (decoded.encoding != "UTF-8")
    out.notes.push_back("read as " + decoded.encoding);
  const char delim = detect_delimiter(decoded.text, o.delimiter);
  if (delim != ',') out.notes.push_back(delimiter_name(delim) + "-separated");
  const auto rows = parse_csv(decoded.text, delim);
  if (rows.empty()) throw Error(path + ": empty file (a header row is required)");

  // --map app_col=our_col, compared as headers are.
  std::map<std::string, std::string> mapped;
  for (const auto& m : o.map) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      throw Error("--map takes APP_COLUMN=OUR_COLUMN, e.g. --map 'Cust No=account_id', not '" +
                  terminal_safe(m) + "'");
    const auto ours = column_for(header_key(m.substr(eq + 1)));
    if (ours.empty())
      throw Error("--map " + terminal_safe(m) + ": '" + terminal_safe(m.substr(eq + 1)) +
                  "' is not one of our columns (account_id, name, accounting_name, company_name, "
                  "first_name, last_name, phone, email, addr1, addr2, city, state, postal_code, "
                  "country)");
    mapped[header_key(m.substr(0, eq))] = ours;
  }

  const auto& header = rows[0].fields;
  std::map<std::string, std::size_t> col;  // our column -> field index
  std::vector<std::string> unknown, renamed;
  std::map<std::string, bool> map_used;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto& h = header[i];
    const auto key = header_key(h);
    if (key.empty()) continue;  // Excel's trailing empty columns
    std::string ours;
    if (auto it = mapped.find(key); it != mapped.end()) {
      ours = it->second;
      map_used[key] = true;
    } else {
      ours = column_for(key);
    }
    if (ours.empty()) {
      unknown.push_back(h);
      continue;
    }
    if (auto [it, fresh] = col.emplace(ours, i); !fresh)
      throw Error(path + " line 1: columns '" + terminal_safe(header[it->second]) + "' and '" +
                  terminal_safe(h) + "' are both " + ours + " (rename one, or --map it)");
    if (h != ours) renamed.push_back(h + " -> " + ours);
  }
  for (const auto& [key, ours] : mapped)
    if (!map_used.count(key))
      throw Error("--map: " + path + " has no column '" + terminal_safe(key) +
                  "' (its columns: " + quoted_list(header) + ")");
  if (!renamed.empty()) {
    std::string text = "columns read as ours: ";
    for (std::size_t i = 0; i < renamed.size(); ++i)
      text += (i ? ", " : "") + terminal_safe(renamed[i]);
    out.notes.push_back(text);
  }
  if (!unknown.empty()) {
    if (o.strict)
      throw Error(path + " line 1: unknown column(s) " + quoted_list(unknown) +
                  " (--strict; without it they are ignored, or --map APP_COLUMN=OUR_COLUMN)");
    out.warnings.push_back("ignored column(s) " + quoted_list(unknown) +
                           " (not ours; --map APP_COLUMN=OUR_COLUMN if one is)");
  }
  for (auto* need : {"account_id", "name"})
    if (!col.count(need))
      throw Error(path + " line 1: no '" + std::string(need) + "' column (the header has " +
                  quoted_list(header) + "; --map APP_COLUMN=" + need + " names it)");
  // Short rows read as empty fields; fields past the header must be empty (Excel's ",,").
  std::map<std::string, std::size_t> seen;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string where = "line " + std::to_string(row.line);
    if (std::all_of(row.fields.begin(), row.fields.end(),
                    [](const std::string& f) { return f.empty(); }))
      continue;  // Excel's ",,,," rows
    bool overflow = false;
    for (std::size_t i = header.size(); i < row.fields.size(); ++i)
      overflow |= !row.fields[i].empty();
    if (overflow) {
      out.refused.push_back(where + ": " + std::to_string(row.fields.size()) +
                            " fields, the header has " + std::to_string(header.size()) + " (a " +
                            delimiter_name(delim) + " inside a name must be in double quotes)");
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= row.fields.size() ? std::string()
                                                                : row.fields[it->second];
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
    if (auto why = admin::Service::invalid_account(a)) {
      std::string text = *why;
      if (text.find("(0x0a)") != std::string::npos || text.find("(0x0d)") != std::string::npos)
        text += " (a line break inside a field)";
      out.refused.push_back(where + (a.account_id.empty() ? "" : " (" + a.account_id + ")") + ": " +
                            text);
      continue;
    }
    if (auto [it, fresh] = seen.emplace(a.account_id, row.line); !fresh) {
      out.refused.push_back(where + ": account_id '" + a.account_id + "' already on line " +
                            std::to_string(it->second));
      continue;
    }
    out.row_lines.push_back(row.line);
    out.rows.push_back(std::move(a));
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
  // 100 columns: 12 + 28 + 7 + 28 + 17 and four gaps of 2.
  std::cout << fit("ACCOUNT", 12) << "  " << fit("NAME", 28) << "  " << fit("STATUS", 7) << "  "
            << fit("QUICKBOOKS NAME", 28) << "  REASON\n";
  for (const auto& a : rows)
    std::cout << fit(a.account_id, 12) << "  " << fit(a.name, 28) << "  " << fit(a.status, 7)
              << "  " << fit(a.qb_full_name, 28) << "  " << fit(a.reason, 17) << "\n";
}

void add_group(CLI::App& app, Context& ctx, AccountKind kind, const char* group, const char* what) {
  auto* g = app.add_subcommand(group, what);
  explain_subcommands(g);

  struct Args {
    std::string user, file, account_id, qb_name;
    bool json = false;
  };
  auto a = std::make_shared<Args>();

  auto imp = std::make_shared<ImportOptions>();
  auto dry_run = std::make_shared<bool>(false);
  auto* cmd = g->add_subcommand(
      "import",
      "Upsert accounts from a CSV (all or nothing): UTF-8, UTF-16 or Windows-1252; comma, "
      "semicolon or tab");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("FILE", a->file,
                  "CSV with a header row: account_id,name[,accounting_name,contact fields]; "
                  "synonyms such as 'Customer Name' or 'Account Ref' are understood")
      ->required();
  cmd->add_option("--encoding", imp->encoding,
                  "auto (default: BOM, else UTF-8, else Windows-1252), utf-8, utf-16, cp1252");
  cmd->add_option("--delimiter", imp->delimiter,
                  "auto (default: from the header), comma, semicolon, tab");
  cmd->add_option("--map", imp->map, "APP_COLUMN=OUR_COLUMN, e.g. --map 'Cust No=account_id'")
      ->allow_extra_args(false);
  cmd->add_flag("--strict", imp->strict, "Refuse unknown columns instead of ignoring them");
  cmd->add_flag("--dry-run", *dry_run, "Check and count only; write nothing");
  cmd->callback([a, imp, dry_run, &ctx, kind] {
    const auto parsed = parse_accounts(kind, a->file, *imp);
    for (const auto& w : parsed.warnings) std::cerr << "warning: " << w << "\n";
    if (!parsed.notes.empty()) {
      std::cout << a->file << ":";
      for (std::size_t i = 0; i < parsed.notes.size(); ++i)
        std::cout << (i ? "; " : " ") << parsed.notes[i];
      std::cout << "\n";
    }
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    const bool refused = !parsed.refused.empty();
    const auto n = run_admin(
        [&] { return service.upsert_accounts(a->user, kind, parsed.rows, *dry_run || refused); });
    const auto total = parsed.rows.size() + parsed.refused.size();
    const std::string what = std::string(reconcile::to_string(kind)) + (total == 1 ? "" : "s");
    const auto counts = std::to_string(n.added) + " added, " + std::to_string(n.updated) +
                        " updated, " + std::to_string(n.unchanged) + " unchanged, " +
                        std::to_string(parsed.refused.size()) + " refused";
    if (refused) {
      std::size_t shown = 0;
      for (const auto& r : parsed.refused) {
        if (++shown > 20) {
          std::cerr << "  ... and " << parsed.refused.size() - 20 << " more\n";
          break;
        }
        std::cerr << "  " << a->file << " " << terminal_safe(r) << "\n";
      }
      throw Error(a->file + ": " + std::to_string(parsed.refused.size()) + " of " +
                  std::to_string(total) + " " + what + " refused; nothing was written (" + counts +
                  " if they are fixed or removed)");
    }
    if (*dry_run) {
      std::cout << "dry run: " << total << " " << what << " for " << a->user << ": " << counts
                << "; nothing was written\n";
      return;
    }
    std::cout << "imported " << total << " " << what << " for " << a->user << ": " << counts
              << "\n";
  });

  cmd = g->add_subcommand("link", "Set the accounting name (exact QuickBooks name) of an account");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("ACCOUNT_ID", a->account_id)->required();
  cmd->add_option("QB_NAME", a->qb_name, "The exact QuickBooks name, spaces included")->required();
  cmd->callback([a, &ctx, kind] {
    auto store = open_store(ctx, Access::Existing);
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
    auto store = open_store(ctx, Access::Existing);
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

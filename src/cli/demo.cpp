// qblink demo: a self-contained tour. A temporary database, a sample tenant whose QuickBooks
// already holds some of the app's accounts (one under a slightly different name), the server
// on a loopback port, a full simulated sync, the log and the link table, then a second run.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <random>

#include "api/api.h"
#include "cli/commands.h"
#include "cli/endpoint.h"
#include "cli/util.h"
#include "http/client.h"
#include "http/server.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"
#include "store/guid.h"
#include "sync/auth.h"
#include "sync/service.h"

namespace qblink::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCompany = R"json({
  "company_name": "Harbor Field Services",
  "file_path": "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\Harbor Field Services.QBW",
  "customers": [
    {"name": "Acme Plumbing Ltd", "phone": "555-0100"},
    {"name": "Bright Spark Electrical"},
    {"name": "Coastal HVAC Services"},
    {"name": "Dunmore Property Management"},
    {"name": "Riverside Flats", "full_name": "Dunmore Property Management:Riverside Flats"},
    {"name": "Evergreen Landscaping", "is_active": false},
    {"name": "Riverside HVAC LLC"},
    {"name": "Reyes Pool Services Inc", "phone": "(555) 014-2277", "email": "office@reyespools.com"}
  ],
  "vendors": [
    {"name": "Harbor Supply Co"},
    {"name": "Metro Pipe & Fittings"}
  ],
  "employees": [{"name": "Sam Ortiz"}]
})json";

struct DemoAccount {
  reconcile::AccountKind kind;
  const char* id;
  const char* name;
  const char* accounting_name;
  const char* why;  // what the demo expects, shown to the reader
  const char* phone = "";
  const char* email = "";
};

constexpr DemoAccount kAccounts[] = {
    {reconcile::AccountKind::Customer, "C100", "Acme Plumbing", "Acme Plumbing Ltd",
     "accounting name matches QuickBooks exactly: linked"},
    {reconcile::AccountKind::Customer, "C101", "Bright Spark Electrical", "",
     "no accounting name, own name matches exactly: linked"},
    {reconcile::AccountKind::Customer, "C102", "Coastal HVAC", "Coastal  HVAC Services",
     "accounting name typed with two spaces: held for review"},
    {reconcile::AccountKind::Customer, "C103", "Riverside Flats",
     "Dunmore Property Management:Riverside Flats", "a job (Parent:Job): linked"},
    {reconcile::AccountKind::Customer, "C104", "Evergreen Landscaping", "",
     "matches an inactive QuickBooks customer: linked, not added"},
    {reconcile::AccountKind::Customer, "C105", "Greenway Pest Control", "",
     "genuinely new: added once, after approval"},
    {reconcile::AccountKind::Customer, "C106", "Summit Roofing & Gutters", "",
     "genuinely new: added once, after approval"},
    {reconcile::AccountKind::Customer, "C107", "Riverside HVAC", "",
     "QuickBooks has it with a legal suffix (LLC): held for review"},
    {reconcile::AccountKind::Customer, "C108", "Tom Reyes", "",
     "another name, same phone and email as a QuickBooks customer: held", "555-014-2277",
     "Office@ReyesPools.com"},
    {reconcile::AccountKind::Supplier, "S200", "Harbor Supply Co", "", "supplier, exact: linked"},
    {reconcile::AccountKind::Supplier, "S201", "Metro Pipe and Fittings", "",
     "supplier, & vs and: held for review"},
    {reconcile::AccountKind::Supplier, "S202", "Northwind Tools", "",
     "supplier, genuinely new: added once, after approval"},
};

void section(const std::string& title) { std::cout << "\n== " << title << " ==\n"; }

void run_cli(const std::string& db, std::vector<std::string> args) {
  std::vector<std::string> all = {"qblink", "--db", db};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(all.size() + 1);
  for (auto& a : all) argv.push_back(a.data());
  std::cout << "$ qblink";
  for (std::size_t i = 3; i < all.size(); ++i) std::cout << " " << all[i];
  std::cout << "\n";
  std::cout.flush();
  run(static_cast<int>(argv.size()), argv.data());
}

void print_session(const sim::SessionResult& r) {
  for (const auto& c : r.calls)
    std::cout << "  " << cell(c.method, 19) << " " << cell(c.request, 48) << " -> " << c.outcome
              << "\n";
  if (!r.ok) std::cout << "  session failed: " << r.error << "\n";
}

// The calls an app makes: a token (created once by the admin), push an account, read links back.
void show_api_calls(store::Store& store, const std::string& base, const std::string& user) {
  const auto token = api::create_token(store, user, "field-app", 0).token;
  std::cout << "$ qblink token create " << user
            << " --name field-app   # shown once, stored hashed\n";
  http::Client client(base + "/api/v1");
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + token}};
  auto show = [&](const std::string& method, const std::string& target, const std::string& body) {
    std::cout << "$ curl -X " << method << " -H 'Authorization: Bearer qbl_...' '" << base << target
              << "'" << (body.empty() ? "" : " -d '" + body + "'") << "\n";
    auto r = client.request(method, target, body, auth);
    auto text = r.body;
    if (text.size() > 300) text = text.substr(0, 300) + "...";
    std::cout << "  " << r.status << " " << text << "\n";
    return r;
  };
  show("GET", "/api/v1/status", "");
  show("POST", "/api/v1/accounts",
       R"({"kind":"customer","accounts":[{"account_id":"C109","name":"Lakeview Dental"}]})");
  show("GET", "/api/v1/accounts?kind=customer&status=linked&limit=2", "");
  show("GET", "/api/v1/review", "");
}

}  // namespace

void add_demo_command(CLI::App& app, Context&) {
  auto keep = std::make_shared<bool>(false);
  auto keep_serving = std::make_shared<bool>(false);
  auto* cmd =
      app.add_subcommand("demo", "A self-contained tour of qblink on a simulated QuickBooks");
  cmd->add_flag("--keep", *keep, "Keep the temporary folder (database, company file) afterwards");
  cmd->add_flag("--keep-serving", *keep_serving,
                "After the tour, keep the server (and its console) running until Enter");
  cmd->callback([keep, keep_serving] {
    std::random_device rd;
    const fs::path dir = fs::temp_directory_path() / ("qblink-demo-" + std::to_string(rd()));
    fs::create_directories(dir);
    const std::string db = (dir / "qblink.db").string();
    const std::string user = "harbor";
    const std::string password = sync::new_ticket();

    std::cout << "qblink demo: everything lives in " << dir.string() << "\n";
    section("1. A tenant and the app's accounts");
    auto store = open_store(db);
    std::string owner_id;
    {
      auto tx = store->begin(true);
      store::Tenant t;
      t.username = user;
      t.password_hash = sync::hash_password(password);
      t.file_id = store::make_guid();
      const auto id = tx->add_tenant(t);
      owner_id = tx->owner_id();
      for (const auto& a : kAccounts) {
        store::AccountRow row;
        row.kind = a.kind;
        row.account_id = a.id;
        row.name = a.name;
        row.accounting_name = a.accounting_name;
        row.phone = a.phone;
        row.email = a.email;
        tx->upsert_account(id, row);
        std::cout << "  " << cell(std::string(reconcile::to_string(a.kind)), 8) << " " << a.id
                  << "  " << cell(std::string("\"") + a.name + "\"", 28) << " " << a.why << "\n";
      }
      tx->commit();
    }

    section("2. The QuickBooks company (simulated)");
    auto company = sim::parse_company_json(kCompany, "demo company");
    sim::normalize_company(company);
    std::cout << "  customers: ";
    for (const auto& e : company.customers)
      std::cout << "\"" << e.full_name << "\"" << (e.is_active ? "" : " (inactive)") << "  ";
    std::cout << "\n  vendors:   ";
    for (const auto& e : company.vendors) std::cout << "\"" << e.full_name << "\"  ";
    std::cout << "\n";

    sync::Service service(*store);
    http::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    EndpointOptions eo;
    eo.body_limit = so.body_limit;
    eo.api_store = store.get();  // the JSON API and the console beside /qbwc
    http::Server server(so, make_endpoint(service, eo));
    server.start();
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const std::string url = base + "/qbwc";
    std::cout << "  console: " << base << "/console (sign in as " << user << ", password "
              << password << ")\n";

    sim::FakeQuickBooks qb(company);
    sim::WebConnectorOptions wo;
    wo.url = url;
    wo.user = user;
    wo.password = password;
    wo.owner_id = owner_id;
    wo.noop_pause_ms = 0;

    section("3. A Web Connector session against " + url);
    sim::WebConnector wc(wo, qb);
    const auto first = wc.run_session();
    print_session(first);
    std::cout << "  Web Connector shows: " << first.close_message << "\n";

    section("4. The link table");
    run_cli(db, {"customers", "list", user});
    run_cli(db, {"suppliers", "list", user});
    section("5. The review queue");
    run_cli(db, {"review", user});
    section("6. The sync log");
    run_cli(db, {"log", user});
    run_cli(db, {"log", user, "--run", "1"});

    section("7. The first adds wait for approval");
    std::cout << "  A tenant's first adds (and any run adding more than its limit, default 25)\n"
                 "  are proposed, not sent: a careless import cannot flood the company file.\n";
    run_cli(db, {"adds", user});
    run_cli(db, {"adds", "approve", user, "--all"});

    section("8. The next run sends the approved adds, once");
    const auto second = wc.run_session();
    std::cout << "  Web Connector shows: " << second.close_message << "\n";

    section("9. A third run adds nothing");
    const auto third = wc.run_session();
    std::cout << "  Web Connector shows: " << third.close_message << "\n";
    run_cli(db, {"log", user});

    section("10. What the field-service app calls (JSON API)");
    show_api_calls(*store, base, user);

    if (*keep_serving) {
      std::cout << "\nThe server keeps running: open " << base << "/console (user " << user
                << ", password " << password << ").\nPress Enter to stop." << std::endl;
      std::string line;
      std::getline(std::cin, line);
    }
    server.stop();
    store.reset();
    if (*keep) {
      sim::save_company(company, dir / "company.json");
      std::cout << "\nkept: " << dir.string() << " (qblink.db, company.json)\n";
    } else {
      fs::remove_all(dir);
    }
    if (!first.ok || !second.ok || !third.ok) throw Error("the demo's simulated sync failed");
  });
}

}  // namespace qblink::cli

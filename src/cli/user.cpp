// qblink user add|list|remove|passwd|show-company|reset-company: tenants and their credentials.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/status.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "store/guid.h"
#include "sync/auth.h"

namespace qblink::cli {
namespace {

void check_username(const std::string& user) {
  if (user.empty() || user.size() > 100) throw Error("user name must be 1 to 100 characters");
  for (unsigned char c : user)
    if (c < 0x20 || c == 0x7F) throw Error("user name must not contain control characters");
}

}  // namespace

void add_user_commands(CLI::App& app, Context& ctx) {
  auto* user = app.add_subcommand("user", "Tenants: one Web Connector user per company file");
  explain_subcommands(user);

  struct AddArgs {
    std::string name, company_file;
    bool password_stdin = false;
  };
  auto add = std::make_shared<AddArgs>();
  auto* cmd = user->add_subcommand("add", "Add a tenant");
  cmd->add_option("USER", add->name)->required();
  cmd->add_flag("--password-stdin", add->password_stdin, "Read the password from stdin")
      ->required();
  cmd->add_option("--company-file", add->company_file,
                  "Company file path to ask for (default: the one open in QuickBooks)");
  cmd->callback([add, &ctx] {
    check_username(add->name);
    const auto password = read_password_stdin();
    if (password.size() < 8) throw Error("password must be at least 8 characters");
    auto store = open_store(ctx, Access::MayCreate);
    store::Tenant t;
    t.username = add->name;
    t.password_hash = sync::hash_password(password);
    t.company_file = add->company_file;
    t.file_id = store::make_guid();
    auto tx = store->begin(true);
    if (tx->tenant_by_name(add->name)) throw Error("user '" + add->name + "' already exists");
    tx->owner_id();  // the installation's OwnerID exists from the first tenant on
    tx->add_tenant(t);
    tx->commit();
    std::cout << "added user " << add->name << "\n";
  });

  struct ListArgs {
    bool json = false;
    int schedule_minutes = 60;
  };
  auto list = std::make_shared<ListArgs>();
  cmd =
      user->add_subcommand("list", "List tenants with their last run, last success and staleness");
  cmd->add_flag("--json", list->json, "Machine-readable output");
  cmd->add_option("--schedule-minutes", list->schedule_minutes,
                  "The Web Connector's schedule in minutes, as in the .qwc (default 60): a tenant "
                  "is stale with no successful run for more than twice it")
      ->check(CLI::Range(1, 1440));
  cmd->callback([list, &ctx] {
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(false);
    const auto tenants = tx->tenants();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::vector<admin::RunHealth> health;
    health.reserve(tenants.size());
    for (const auto& t : tenants)
      health.push_back(admin::run_health(*tx, t.id, list->schedule_minutes, now));
    tx.reset();
    if (list->json) {
      auto run_json = [](const std::optional<store::RunRow>& r) {
        if (!r) return nlohmann::json(nullptr);
        return nlohmann::json{{"id", r->id},
                              {"started_at", r->started_at},
                              {"ended_at", r->ended_at},
                              {"outcome", r->outcome}};
      };
      auto arr = nlohmann::json::array();
      for (std::size_t i = 0; i < tenants.size(); ++i) {
        const auto& t = tenants[i];
        arr.push_back({{"user", t.username},
                       {"company_file", t.company_file},
                       {"file_id", t.file_id},
                       {"known_company", t.known_company_name},
                       {"known_company_path", t.known_company_path},
                       {"known_file_id", t.known_file_id},
                       {"auto_add_limit", t.auto_add_limit == store::kUnlimitedAdds
                                              ? nlohmann::json("unlimited")
                                              : nlohmann::json(t.auto_add_limit)},
                       {"last_run", run_json(health[i].last_run)},
                       {"last_success", run_json(health[i].last_success)},
                       {"polling", std::string(admin::to_string(health[i].polling))},
                       {"stale", health[i].stale},
                       {"schedule_minutes", list->schedule_minutes}});
      }
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (tenants.empty()) {
      std::cout << "no users yet: qblink user add USER --password-stdin\n";
      return;
    }
    // 100 columns: 16 + 19 + 19 + 7 + 31 and four gaps of 2.
    auto when = [](const std::optional<store::RunRow>& r) {
      return r ? format_time(r->started_at) : std::string("never");
    };
    std::cout << fit("USER", 16) << "  " << fit("LAST RUN", 19) << "  " << fit("LAST SUCCESS", 19)
              << "  " << fit("STATE", 7) << "  COMPANY\n";
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      const auto& t = tenants[i];
      const auto& h = health[i];
      const std::string state = h.polling == admin::Polling::Never ? "never"
                                : h.stale                          ? "STALE"
                                                                   : "ok";
      std::cout << fit(t.username, 16) << "  " << fit(when(h.last_run), 19) << "  "
                << fit(when(h.last_success), 19) << "  " << fit(state, 7) << "  "
                << fit(t.known_company_name.empty() ? "(no company seen yet)"
                                                    : t.known_company_name,
                       31)
                << "\n";
    }
    if (std::any_of(health.begin(), health.end(), [](const auto& h) { return h.stale; }))
      std::cout << "STALE: no successful run for more than twice the " << list->schedule_minutes
                << "-minute schedule\n  (qblink log USER says why; --schedule-minutes N if the "
                   ".qwc's schedule differs)\n";
  });

  auto name = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  cmd = user->add_subcommand("remove", "Remove a tenant and all its data (asks first)");
  cmd->add_option("USER", *name)->required();
  cmd->add_flag("--yes,-y", *yes, "Do not ask (required without a terminal)");
  cmd->callback([name, yes, &ctx] {
    auto store = open_store(ctx, Access::Existing);
    {
      auto tx = store->begin(false);
      const auto t = require_tenant(*tx, *name);
      const auto accounts = tx->account_count(t.id);
      const auto runs = tx->runs(t.id, 1 << 30).size();
      const auto entries = tx->entries(t.id).size();
      const std::string what = "user " + terminal_safe(*name) +
                               " and all its data: " + std::to_string(accounts) + " account(s), " +
                               std::to_string(runs) + " run(s) with their log, " +
                               std::to_string(entries) + " QuickBooks entr" +
                               (entries == 1 ? "y" : "ies") + " (its .qwc stops working)";
      if (!*yes) {
        if (!stdin_is_terminal())
          throw Error("user remove would delete " + what +
                      "; no terminal to ask: add --yes to confirm");
        std::cout << "This deletes " << what << ".\nType the user name to confirm: " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != *name) throw Error("not confirmed; nothing was removed");
      }
      std::cout << "removing " << what << "\n";
    }
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, *name);
    tx->remove_tenant(t.id);
    tx->commit();
    std::cout << "removed user " << terminal_safe(*name) << "\n";
  });

  auto pw = std::make_shared<AddArgs>();
  cmd = user->add_subcommand("passwd", "Change a tenant's password");
  cmd->add_option("USER", pw->name)->required();
  cmd->add_flag("--password-stdin", pw->password_stdin, "Read the password from stdin")->required();
  cmd->callback([pw, &ctx] {
    const auto password = read_password_stdin();
    if (password.size() < 8) throw Error("password must be at least 8 characters");
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, pw->name);
    tx->set_password_hash(t.id, sync::hash_password(password));
    tx->set_login_failures(t.id, 0, 0);
    tx->commit();
    std::cout << "password changed for " << pw->name << "\n";
  });

  auto limit = std::make_shared<std::pair<std::string, std::string>>();
  cmd = user->add_subcommand("set", "Change a tenant's settings");
  cmd->add_option("USER", limit->first)->required();
  cmd->add_option("--auto-add-limit", limit->second,
                  "Adds per run sent without approval: N (default 25; 0 = every add waits) or "
                  "'unlimited' (none waits, first run included)")
      ->required();
  cmd->callback([limit, &ctx] {
    int n = store::kUnlimitedAdds;
    if (limit->second != "unlimited") {
      std::size_t used = 0;
      try {
        n = std::stoi(limit->second, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != limit->second.size() || n < 0)
        throw Error("--auto-add-limit takes a number from 0, or 'unlimited', not '" +
                    terminal_safe(limit->second) + "'");
    }
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    run_admin([&] { service.set_auto_add_limit(limit->first, n); });
    std::cout << limit->first << ": "
              << (n == store::kUnlimitedAdds ? std::string("adds never wait for approval")
                  : n == 0                   ? std::string("every add waits for approval")
                                             : "up to " + std::to_string(n) +
                                 " adds per run go without approval (the first run's always wait)")
              << "\n";
  });

  cmd = user->add_subcommand("show-company", "Show the company file a tenant is tied to");
  cmd->add_option("USER", *name)->required();
  cmd->callback([name, &ctx] {
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(false);
    const auto t = require_tenant(*tx, *name);
    if (t.known_company_name.empty() && t.known_file_id.empty()) {
      std::cout << *name
                << ": no company file recorded yet (the first successful run records it)\n";
      return;
    }
    std::cout << "company: " << t.known_company_name << "\npath:    " << t.known_company_path
              << "\nFileID:  " << (t.known_file_id.empty() ? "(none)" : t.known_file_id) << "\n";
  });

  cmd = user->add_subcommand("reset-company",
                             "Forget the recorded company file (the next run records a new one)");
  cmd->add_option("USER", *name)->required();
  cmd->callback([name, &ctx] {
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, *name);
    tx->set_company_identity(t.id, "", "", "");
    tx->commit();
    std::cout << *name
              << ": recorded company file forgotten; the next run records the one it sees\n";
  });
}

}  // namespace qblink::cli

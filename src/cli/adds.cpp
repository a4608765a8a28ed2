// qblink adds USER [--json] | adds approve USER ID...|--all | adds reject USER ID...|--all: the
// adds waiting for approval (design rule 6). The rules live in admin::Service.
#include <CLI/CLI.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/service.h"
#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

std::vector<store::OutboxId> to_ids(const std::vector<std::int64_t>& raw) {
  std::vector<store::OutboxId> ids;
  ids.reserve(raw.size());
  for (auto v : raw) ids.push_back(store::OutboxId{v});
  return ids;
}

}  // namespace

void add_adds_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user;
    std::vector<std::int64_t> ids;
    bool json = false, all = false;
  };
  auto a = std::make_shared<Args>();
  auto* adds = app.add_subcommand("adds", "Adds waiting for approval before they reach QuickBooks");
  adds->add_option("USER", a->user);
  adds->add_flag("--json", a->json, "Machine-readable output");

  for (const bool approve : {true, false}) {
    auto* cmd = adds->add_subcommand(approve ? "approve" : "reject",
                                     approve ? "Approve adds: the next sync sends them"
                                             : "Reject adds: the accounts go to review");
    cmd->add_option("USER", a->user)->required();
    cmd->add_option("ID", a->ids, "Add ids from 'qblink adds USER'");
    cmd->add_flag("--all", a->all, "Every add that waits");
    cmd->callback([a, &ctx, approve] {
      if (a->ids.empty() == !a->all)
        throw Error(std::string("adds ") + (approve ? "approve" : "reject") +
                    ": give add ids or --all (not both)");
      auto store = open_store(ctx, Access::Existing);
      admin::Service service(*store);
      const auto n = run_admin([&] {
        return approve ? service.approve_adds(a->user, to_ids(a->ids), a->all)
                       : service.reject_adds(a->user, to_ids(a->ids), a->all);
      });
      std::cout << n << " add(s) " << (approve ? "approved: the next sync sends them" : "rejected")
                << "\n";
    });
  }

  adds->callback([a, adds, &ctx] {
    if (!adds->get_subcommands().empty()) return;
    if (a->user.empty()) throw Error("adds: USER is required");
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    const auto rows = run_admin([&] { return service.adds_awaiting(a->user); });
    if (a->json) {
      auto arr = nlohmann::json::array();
      for (const auto& r : rows)
        arr.push_back({{"id", r.id.value},
                       {"kind", std::string(reconcile::to_string(r.kind))},
                       {"account_id", r.account_id},
                       {"name", r.name},
                       {"reason", r.reason},
                       {"proposed_at", format_time(r.created_at)}});
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (rows.empty()) {
      std::cout << "no adds wait for approval for " << terminal_safe(a->user) << "\n";
      return;
    }
    std::cout << cell("ID", 8) << "  " << cell("KIND", 8) << "  " << cell("ACCOUNT", 12) << "  "
              << cell("NAME TO ADD", 41) << "  WHY NEW\n";
    for (const auto& r : rows)
      std::cout << cell(std::to_string(r.id.value), 8) << "  "
                << cell(std::string(reconcile::to_string(r.kind)), 8) << "  "
                << cell(terminal_safe(r.account_id), 12) << "  " << cell(terminal_safe(r.name), 41)
                << "  " << terminal_safe(r.reason) << "\n";
    std::cout << rows.size() << " add(s) wait. Decide with: qblink adds approve|reject "
              << terminal_safe(a->user) << " ID... (or --all)\n";
  });
}

}  // namespace qblink::cli

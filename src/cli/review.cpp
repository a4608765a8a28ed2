// qblink review USER | review accept|reject USER KIND ACCOUNT_ID | review accept USER --all-strong
// | review apply USER decisions.csv: the near-match queue. The rules live in admin::Service.
#include <CLI/CLI.hpp>
#include <cmath>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "admin/service.h"
#include "api/present.h"
#include "cli/commands.h"
#include "cli/csv.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

using reconcile::AccountKind;

nlohmann::json contact_json(const store::AccountRow& a) {
  return {{"company_name", a.company_name},
          {"first_name", a.first_name},
          {"last_name", a.last_name},
          {"phone", a.phone},
          {"email", a.email},
          {"addr1", a.addr1},
          {"city", a.city},
          {"postal_code", a.postal_code}};
}

// review apply: a CSV of kind,account_id,decision[,list_id] with decision accept or reject.
std::vector<admin::ReviewDecision> read_decisions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  const auto rows = parse_csv(text.str());
  std::vector<admin::ReviewDecision> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& f = rows[i].fields;
    const std::string where = path + " line " + std::to_string(rows[i].line);
    if (i == 0 && !f.empty() && f[0] == "kind") continue;  // an optional header row
    if (f.size() < 3 || f.size() > 4)
      throw Error(where + ": want kind,account_id,accept|reject[,list_id]");
    admin::ReviewDecision d;
    d.kind = parse_kind(f[0]);
    d.account_id = f[1];
    if (f[2] == "accept")
      d.action = admin::ReviewAction::Accept;
    else if (f[2] == "reject")
      d.action = admin::ReviewAction::Reject;
    else
      throw Error(where + ": decision must be accept or reject, not '" + f[2] + "'");
    if (f.size() == 4) d.list_id = f[3];
    out.push_back(std::move(d));
  }
  return out;
}

// `review USER accept KIND ID` (the order people type): CLI11 reads USER as the queue's and
// shifts the rest. Says the order instead of "ACCOUNT_ID is required".
void order_hint(CLI::App* review, CLI::App* sub, const char* action) {
  const auto* first = review->get_option("USER");
  if (first->count() == 0) return;
  const auto typed = first->as<std::string>();
  std::string rest;
  for (const auto* name : {"USER", "KIND", "ACCOUNT_ID"})
    if (const auto* o = sub->get_option(name); o->count() > 0) rest += " " + o->as<std::string>();
  throw Error("the order is: qblink review " + std::string(action) + " USER KIND ACCOUNT_ID; " +
              "did you mean: qblink review " + action + " " + terminal_safe(typed) +
              terminal_safe(rest) + "?");
}

}  // namespace

void add_review_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user, kind, account_id, list_id, file;
    bool json = false, all_strong = false;
  };
  auto a = std::make_shared<Args>();
  auto* review = app.add_subcommand("review", "Accounts held for an admin's decision");
  review->add_option("USER", a->user);
  review->add_flag("--json", a->json, "Machine-readable output");
  explain_subcommands(review, false, "review USER to see the queue");

  auto* accept =
      review->add_subcommand("accept", "Link the account to the suggested QuickBooks entry");
  accept->add_option("USER", a->user)->required();
  accept->add_option("KIND", a->kind, "customer or supplier");
  accept->add_option("ACCOUNT_ID", a->account_id);
  accept->add_option("--list-id", a->list_id, "Which candidate, when there are several");
  accept->add_flag("--all-strong", a->all_strong,
                   "Accept every account whose top candidate is strong (see README)");
  accept->callback([a, review, accept, &ctx] {
    order_hint(review, accept, "accept");
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    if (a->all_strong) {
      if (!a->kind.empty()) throw Error("--all-strong takes no KIND or ACCOUNT_ID");
      const auto done = run_admin([&] { return service.accept_all_strong(a->user); });
      for (const auto& acc : done)
        std::cout << reconcile::to_string(acc.kind) << " " << terminal_safe(acc.account_id)
                  << " linked to \"" << terminal_safe(acc.qb_full_name) << "\" (ListID "
                  << acc.list_id << ")\n";
      std::cout << done.size() << " account(s) accepted\n";
      return;
    }
    if (a->kind.empty() || a->account_id.empty())
      throw Error("review accept: KIND and ACCOUNT_ID are required (or --all-strong)");
    const auto kind = parse_kind(a->kind);
    const auto acc =
        run_admin([&] { return service.accept(a->user, kind, a->account_id, a->list_id); });
    std::cout << a->kind << " " << terminal_safe(a->account_id) << " linked to \""
              << terminal_safe(acc.qb_full_name) << "\" (ListID " << acc.list_id << ")\n";
  });

  auto* reject = review->add_subcommand(
      "reject", "Declare the account genuinely new: it is added under its accounting name or name");
  reject->add_option("USER", a->user)->required();
  reject->add_option("KIND", a->kind, "customer or supplier");
  reject->add_option("ACCOUNT_ID", a->account_id);
  reject->callback([a, review, reject, &ctx] {
    order_hint(review, reject, "reject");
    if (a->kind.empty() || a->account_id.empty())
      throw Error("review reject: KIND and ACCOUNT_ID are required");
    const auto kind = parse_kind(a->kind);
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    const auto acc = run_admin([&] { return service.reject(a->user, kind, a->account_id); });
    const auto& name = acc.accounting_name.empty() ? acc.name : acc.accounting_name;
    std::cout << a->kind << " " << terminal_safe(a->account_id)
              << " declared new: the next sync adds \"" << terminal_safe(name) << "\" once\n";
  });

  auto* apply = review->add_subcommand(
      "apply",
      "Apply a CSV of decisions: kind,account_id,accept|reject[,list_id] (all or nothing)");
  apply->add_option("USER", a->user)->required();
  apply->add_option("FILE", a->file)->required();
  apply->callback([a, &ctx] {
    const auto decisions = read_decisions(a->file);
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    const auto n = run_admin([&] { return service.apply(a->user, decisions); });
    std::cout << n << " decision(s) applied\n";
  });

  review->callback([a, review, &ctx] {
    if (!review->get_subcommands().empty()) return;
    if (a->user.empty()) throw Error("review: USER is required");
    auto store = open_store(ctx, Access::Existing);
    admin::Service service(*store);
    const auto queue = run_admin([&] { return service.review_queue(a->user); });
    if (a->json) {
      auto arr = nlohmann::json::array();
      for (const auto& item : queue) {
        const auto& acc = item.account;
        arr.push_back({{"kind", std::string(reconcile::to_string(acc.kind))},
                       {"account_id", acc.account_id},
                       {"name", acc.name},
                       {"accounting_name", acc.accounting_name},
                       {"reason", acc.reason},
                       {"detail", acc.detail},
                       {"contact", contact_json(acc)},
                       {"candidates", api::candidates_json(item.candidates)}});
      }
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (queue.empty()) {
      std::cout << "nothing to review for " << terminal_safe(a->user) << "\n";
      return;
    }
    for (const auto& item : queue) {
      const auto& acc = item.account;
      std::cout << reconcile::to_string(acc.kind) << " " << terminal_safe(acc.account_id) << "  \""
                << terminal_safe(acc.name) << "\"  " << acc.reason << "\n    "
                << terminal_safe(acc.detail) << "\n";
      for (const auto& c : item.candidates) {
        std::cout << "    candidate: " << reconcile::to_string(c.list) << " \""
                  << terminal_safe(c.full_name) << "\" ListID " << c.list_id;
        if (c.score > 0) std::cout << " score " << std::lround(c.score * 100) << "%";
        if (c.strong) std::cout << " (strong)";
        std::cout << "\n";
        for (const auto& e : c.evidence) std::cout << "      - " << terminal_safe(e) << "\n";
      }
    }
    std::cout << "decide with: qblink review accept|reject " << terminal_safe(a->user)
              << " KIND ACCOUNT_ID\n";
  });
}

}  // namespace qblink::cli

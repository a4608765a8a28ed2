// qblink review USER | review accept|reject USER KIND ACCOUNT_ID: the near-match queue.
#include <CLI/CLI.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

using reconcile::AccountKind;

AccountKind parse_kind(const std::string& kind) {
  if (kind == "customer") return AccountKind::Customer;
  if (kind == "supplier") return AccountKind::Supplier;
  throw Error("KIND must be 'customer' or 'supplier', not '" + kind + "'");
}

store::AccountRow require_review(store::Tx& tx, store::TenantId tenant, AccountKind kind,
                                 const std::string& id) {
  auto acc = tx.account(tenant, kind, id);
  if (!acc) throw Error("no " + std::string(reconcile::to_string(kind)) + " '" + id + "'");
  if (acc->status != "review")
    throw Error(std::string(reconcile::to_string(kind)) + " '" + id +
                "' is not in review (status " + acc->status + ")");
  return *acc;
}

}  // namespace

void add_review_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user, kind, account_id, list_id;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* review = app.add_subcommand("review", "Accounts held for an admin's decision");
  review->add_option("USER", a->user);
  review->add_flag("--json", a->json, "Machine-readable output");

  auto* accept =
      review->add_subcommand("accept", "Link the account to the suggested QuickBooks entry");
  accept->add_option("USER", a->user)->required();
  accept->add_option("KIND", a->kind, "customer or supplier")->required();
  accept->add_option("ACCOUNT_ID", a->account_id)->required();
  accept->add_option("--list-id", a->list_id, "Which candidate, when there are several");
  accept->callback([a, &ctx] {
    const auto kind = parse_kind(a->kind);
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, a->user);
    auto acc = require_review(*tx, t.id, kind, a->account_id);
    const auto candidates = nlohmann::json::parse(acc.candidates.empty() ? "[]" : acc.candidates);
    const nlohmann::json* pick = nullptr;
    const std::string want_list(reconcile::to_string(reconcile::list_for(kind)));
    for (const auto& c : candidates) {
      if (c.value("list", "") != want_list) continue;
      if (a->list_id.empty() || c.value("list_id", "") == a->list_id) {
        pick = &c;
        break;
      }
    }
    if (!pick)
      throw Error("no " + want_list + " to accept for " + a->account_id +
                  (a->list_id.empty() ? "" : " with ListID " + a->list_id) +
                  " (use 'review reject' to add it as new, or '" + a->kind +
                  "s link' to name the entry)");
    acc.status = "linked";
    acc.list_id = pick->value("list_id", "");
    acc.qb_full_name = pick->value("full_name", "");
    acc.accounting_name = acc.qb_full_name;
    acc.reason = "accepted by admin";
    acc.detail.clear();
    acc.candidates = "[]";
    tx->save_account_state(t.id, acc);
    tx->commit();
    std::cout << a->kind << " " << a->account_id << " linked to \"" << acc.qb_full_name
              << "\" (ListID " << acc.list_id << ")\n";
  });

  auto* reject = review->add_subcommand(
      "reject", "Declare the account genuinely new: it is added under its accounting name or name");
  reject->add_option("USER", a->user)->required();
  reject->add_option("KIND", a->kind, "customer or supplier")->required();
  reject->add_option("ACCOUNT_ID", a->account_id)->required();
  reject->callback([a, &ctx] {
    const auto kind = parse_kind(a->kind);
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, a->user);
    auto acc = require_review(*tx, t.id, kind, a->account_id);
    acc.declared_new = true;
    acc.status = "pending";
    acc.reason = "declared new by admin";
    acc.candidates = "[]";
    tx->save_account_state(t.id, acc);
    tx->commit();
    const auto& name = acc.accounting_name.empty() ? acc.name : acc.accounting_name;
    std::cout << a->kind << " " << a->account_id << " declared new: the next sync adds \"" << name
              << "\" once\n";
  });

  review->callback([a, review, &ctx] {
    if (!review->get_subcommands().empty()) return;
    if (a->user.empty()) throw Error("review: USER is required");
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(false);
    const auto t = require_tenant(*tx, a->user);
    auto arr = nlohmann::json::array();
    for (auto kind : {AccountKind::Customer, AccountKind::Supplier})
      for (const auto& acc : tx->accounts(t.id, kind))
        if (acc.status == "review")
          arr.push_back({{"kind", std::string(reconcile::to_string(kind))},
                         {"account_id", acc.account_id},
                         {"name", acc.name},
                         {"accounting_name", acc.accounting_name},
                         {"reason", acc.reason},
                         {"detail", acc.detail},
                         {"candidates",
                          nlohmann::json::parse(acc.candidates.empty() ? "[]" : acc.candidates)}});
    if (a->json) {
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (arr.empty()) {
      std::cout << "nothing to review for " << a->user << "\n";
      return;
    }
    for (const auto& r : arr) {
      std::cout << r["kind"].get<std::string>() << " " << r["account_id"].get<std::string>()
                << "  \"" << r["name"].get<std::string>() << "\"  "
                << r["reason"].get<std::string>() << "\n    " << r["detail"].get<std::string>()
                << "\n";
      for (const auto& c : r["candidates"])
        std::cout << "    candidate: " << c.value("list", "") << " \"" << c.value("full_name", "")
                  << "\" ListID " << c.value("list_id", "") << "\n";
    }
    std::cout << "decide with: qblink review accept|reject " << a->user << " KIND ACCOUNT_ID\n";
  });
}

}  // namespace qblink::cli

// qblink token create|list|revoke: API tokens (shown once, stored hashed).
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

struct TokenArgs {
  std::string user, name;
  bool admin = false, json = false;
};

std::optional<std::string> owner_of(const TokenArgs& a) {
  if (a.admin && !a.user.empty()) throw Error("give either USER or --admin, not both");
  if (!a.admin && a.user.empty()) throw Error("give USER (a tenant token) or --admin");
  if (a.admin) return std::nullopt;
  return a.user;
}

// A tenant's tokens: the tenant must exist (a NotFound names the database).
void require_owner(store::Store& store, const std::optional<std::string>& owner) {
  if (!owner) return;
  auto tx = store.begin(false);
  require_tenant(*tx, *owner);
}

template <typename F>
auto run_token(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw Error(terminal_safe(e.what()));
  }
}

}  // namespace

void add_token_commands(CLI::App& app, Context& ctx) {
  auto* token = app.add_subcommand("token", "API tokens for /api/v1 (Authorization: Bearer)");
  token->require_subcommand(1);

  auto c = std::make_shared<TokenArgs>();
  auto* cmd = token->add_subcommand("create", "Create a token and print it (shown only once)");
  cmd->add_option("USER", c->user, "The tenant the token may read and change");
  cmd->add_flag("--admin", c->admin, "An installation admin token (manages tenants)");
  cmd->add_option("--name", c->name, "A name to list and revoke it by")->required();
  cmd->callback([c, &ctx] {
    const auto owner = owner_of(*c);
    // An admin token may come first on a new installation (tenants are then added through the
    // API); a tenant's needs the tenant, so an existing database.
    auto store = open_store(ctx, owner ? Access::Existing : Access::MayCreate);
    require_owner(*store, owner);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto t = run_token([&] { return api::create_token(*store, owner, c->name, now); });
    std::cout << t.token << "\n";
    std::cerr << "token " << t.id << " '" << terminal_safe(c->name) << "' for "
              << (owner ? terminal_safe(*owner) : std::string("the installation (admin)"))
              << ": store it now, it is not shown again\n";
  });

  auto l = std::make_shared<TokenArgs>();
  cmd = token->add_subcommand("list", "List tokens (never the tokens themselves)");
  cmd->add_option("USER", l->user);
  cmd->add_flag("--admin", l->admin, "The admin tokens");
  cmd->add_flag("--json", l->json, "Machine-readable output");
  cmd->callback([l, &ctx] {
    const auto owner = owner_of(*l);
    auto store = open_store(ctx, Access::Existing);
    require_owner(*store, owner);
    const auto tokens = run_token([&] { return api::list_tokens(*store, owner); });
    if (l->json) {
      auto arr = nlohmann::json::array();
      for (const auto& t : tokens)
        arr.push_back({{"id", t.id},
                       {"name", t.name},
                       {"created_at", t.created_at},
                       {"last_used_at", t.last_used_at},
                       {"revoked", t.revoked}});
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (tokens.empty()) std::cout << "no tokens\n";
    for (const auto& t : tokens)
      std::cout << cell(std::to_string(t.id), 6) << "  " << cell(t.name, 24) << "  created "
                << format_time(t.created_at) << "  last used "
                << (t.last_used_at ? format_time(t.last_used_at) : std::string("never"))
                << (t.revoked ? "  REVOKED" : "") << "\n";
  });

  auto r = std::make_shared<std::pair<TokenArgs, std::vector<std::string>>>();
  cmd = token->add_subcommand("revoke", "Revoke a token: USER NAME|ID, or --admin NAME|ID");
  cmd->add_flag("--admin", r->first.admin, "An admin token");
  cmd->add_option("ARGS", r->second, "USER NAME|ID (or NAME|ID with --admin)")->required();
  cmd->callback([r, &ctx] {
    auto& args = r->second;
    if (args.size() != (r->first.admin ? 1u : 2u))
      throw Error(r->first.admin ? "usage: qblink token revoke --admin NAME|ID"
                                 : "usage: qblink token revoke USER NAME|ID");
    if (!r->first.admin) r->first.user = args[0];
    const auto owner = owner_of(r->first);
    auto store = open_store(ctx, Access::Existing);
    require_owner(*store, owner);
    const auto t = run_token([&] { return api::revoke_token(*store, owner, args.back()); });
    std::cout << "revoked token " << t.id << " '" << terminal_safe(t.name) << "'\n";
  });
}

}  // namespace qblink::cli

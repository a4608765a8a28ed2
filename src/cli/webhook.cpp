// qblink webhook set USER URL [--secret S] | webhook show USER [--json] | webhook remove USER:
// the tenant's webhook (admin::Service). `serve` delivers (api::Deliverer).
#include <CLI/CLI.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/service.h"
#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

const char* state_name(store::DeliveryState s) {
  switch (s) {
    case store::DeliveryState::Pending:
      return "pending";
    case store::DeliveryState::Delivered:
      return "delivered";
    case store::DeliveryState::Failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace

void add_webhook_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user, url, secret;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* hook = app.add_subcommand(
      "webhook", "A tenant's webhook: a signed POST after each run (served by `qblink serve`)");
  hook->require_subcommand(1);

  auto* set = hook->add_subcommand(
      "set", "Set the URL (https://, or http:// to loopback); prints the signing secret once");
  set->add_option("USER", a->user)->required();
  set->add_option("URL", a->url)->required();
  set->add_option("--secret", a->secret,
                  "The HMAC secret (16+ characters); default: a new random one");
  set->callback([a, &ctx] {
    auto store = open_store(ctx.db_path);
    admin::Service service(*store);
    const auto h = run_admin([&] { return service.set_webhook(a->user, a->url, a->secret); });
    std::cout << h.secret << "\n";
    std::cerr << "webhook for " << terminal_safe(a->user) << ": " << terminal_safe(h.url)
              << "\nthe line above is the signing secret: store it now, it is not shown again\n";
  });

  auto* show = hook->add_subcommand("show", "The URL and the latest deliveries");
  show->add_option("USER", a->user)->required();
  show->add_flag("--json", a->json, "Machine-readable output");
  show->callback([a, &ctx] {
    auto store = open_store(ctx.db_path);
    admin::Service service(*store);
    const auto view = run_admin([&] { return service.webhook(a->user); });
    if (!view) throw Error("user '" + terminal_safe(a->user) + "' has no webhook");
    if (a->json) {
      auto arr = nlohmann::json::array();
      for (const auto& d : view->recent)
        arr.push_back({{"id", d.id},
                       {"run", d.run_id},
                       {"state", state_name(d.state)},
                       {"attempts", d.attempts},
                       {"next_at", d.next_at},
                       {"last_status", d.last_status},
                       {"last_error", d.last_error}});
      std::cout << nlohmann::json{{"user", a->user},
                                  {"url", view->hook.url},
                                  {"created_at", view->hook.created_at},
                                  {"deliveries", arr}}
                       .dump(2)
                << "\n";
      return;
    }
    std::cout << "webhook for " << terminal_safe(a->user) << ": " << terminal_safe(view->hook.url)
              << "\n";
    if (view->recent.empty()) std::cout << "no deliveries yet\n";
    for (const auto& d : view->recent) {
      std::cout << "  delivery " << d.id << " (run " << d.run_id << "): " << state_name(d.state)
                << " after " << d.attempts << " attempt(s)";
      if (d.last_status) std::cout << ", last answer HTTP " << d.last_status;
      if (!d.last_error.empty()) std::cout << ", " << terminal_safe(d.last_error);
      std::cout << "\n";
    }
  });

  auto* remove = hook->add_subcommand("remove", "Stop the webhook (pending deliveries dropped)");
  remove->add_option("USER", a->user)->required();
  remove->callback([a, &ctx] {
    auto store = open_store(ctx.db_path);
    admin::Service service(*store);
    run_admin([&] { service.remove_webhook(a->user); });
    std::cout << "webhook removed for " << terminal_safe(a->user) << "\n";
  });
}

}  // namespace qblink::cli

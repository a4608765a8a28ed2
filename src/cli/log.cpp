// qblink log USER [--run ID] [--json]: the sync log, runs newest first or one run's events.
#include <CLI/CLI.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {

void add_log_command(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user;
    std::int64_t run = 0;
    int limit = 50;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("log", "The sync log: runs, or one run's events");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("--run", a->run, "Show this run's events");
  cmd->add_option("--limit", a->limit, "How many runs (default 50)");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a, &ctx] {
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(false);
    const auto t = require_tenant(*tx, a->user);
    if (a->run) {
      const auto run = tx->run(a->run);
      if (!run || run->tenant_id != t.id)
        throw Error("no run " + std::to_string(a->run) + " for " + a->user);
      const auto events = tx->events(a->run);
      if (a->json) {
        auto arr = nlohmann::json::array();
        for (const auto& e : events)
          arr.push_back({{"at", format_time(e.at)},
                         {"level", e.level},
                         {"kind", e.kind},
                         {"account_kind", e.account_kind},
                         {"account_id", e.account_id},
                         {"message", e.message}});
        std::cout << arr.dump(2) << "\n";
        return;
      }
      std::cout << "run " << run->id << " (" << run->outcome << "): " << run->summary << "\n";
      for (const auto& e : events)
        std::cout << format_time(e.at) << "  " << cell(e.level, 5) << "  " << cell(e.kind, 10)
                  << "  " << e.message << "\n";
      return;
    }
    const auto runs = tx->runs(t.id, a->limit);
    if (a->json) {
      auto arr = nlohmann::json::array();
      for (const auto& r : runs)
        arr.push_back({{"run", r.id},
                       {"started", format_time(r.started_at)},
                       {"ended", format_time(r.ended_at)},
                       {"outcome", r.outcome},
                       {"linked", r.linked},
                       {"added", r.added},
                       {"review", r.review},
                       {"errors", r.errors},
                       {"records_fetched", r.records_fetched},
                       {"summary", r.summary}});
      std::cout << arr.dump(2) << "\n";
      return;
    }
    if (runs.empty()) {
      std::cout << "no runs yet for " << a->user << "\n";
      return;
    }
    std::cout << cell("RUN", 5) << "  " << cell("STARTED (UTC)", 19) << "  " << cell("OUTCOME", 16)
              << "  LINKED ADDED REVIEW ERRORS  SUMMARY\n";
    for (const auto& r : runs)
      std::cout << cell(std::to_string(r.id), 5) << "  " << cell(format_time(r.started_at), 19)
                << "  " << cell(r.outcome, 16) << "  " << cell(std::to_string(r.linked), 6) << " "
                << cell(std::to_string(r.added), 5) << " " << cell(std::to_string(r.review), 6)
                << " " << cell(std::to_string(r.errors), 6) << "  " << r.summary << "\n";
    std::cout << "details: qblink log " << a->user << " --run ID\n";
  });
}

}  // namespace qblink::cli

// qblink log USER [--run ID] [filters] [--json]: the sync log, runs newest first or events.
// Filters (--level, --kind, --account, --since) and pages (--limit, --page, --before) make a run
// of 74,000 events readable; without --run, an event filter searches every run of the tenant.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/util.h"

namespace qblink::cli {
namespace {

int level_rank(const std::string& level) {
  if (level == "error") return 2;
  if (level == "warn" || level == "warning") return 1;
  return 0;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

struct LogArgs {
  std::string user, level, kind, account, since;
  std::int64_t run = -1, before = 0;  // run -1: not given; 0: decisions made outside a run
  int limit = 0, page = 1;  // limit 0 = the default (50 runs, 100 events; all events in JSON)
  bool json = false;
};

// The command to see the next page, for the footer.
std::string next_page(const LogArgs& a, int page) {
  std::string cmd = "qblink log " + terminal_safe(a.user);
  if (a.run >= 0) cmd += " --run " + std::to_string(a.run);
  if (!a.level.empty()) cmd += " --level " + terminal_safe(a.level);
  if (!a.kind.empty()) cmd += " --kind " + terminal_safe(a.kind);
  if (!a.account.empty()) cmd += " --account '" + terminal_safe(a.account) + "'";
  if (!a.since.empty()) cmd += " --since '" + terminal_safe(a.since) + "'";
  if (a.limit) cmd += " --limit " + std::to_string(a.limit);
  return cmd + " --page " + std::to_string(page);
}

template <typename T>
std::vector<T> page_of(const std::vector<T>& all, std::size_t limit, int page) {
  if (limit == 0) return all;
  const auto first = std::min(all.size(), limit * static_cast<std::size_t>(page - 1));
  const auto last = std::min(all.size(), first + limit);
  return {all.begin() + static_cast<std::ptrdiff_t>(first),
          all.begin() + static_cast<std::ptrdiff_t>(last)};
}

void footer(const LogArgs& a, std::size_t shown, std::size_t total, std::size_t limit,
            const char* what) {
  if (limit == 0 || total <= limit) return;
  const auto first = limit * static_cast<std::size_t>(a.page - 1);
  const auto pages = (total + limit - 1) / limit;
  if (shown == 0) {
    std::cout << "page " << a.page << " is past the last (" << pages << ")\n";
    return;
  }
  std::cout << what << " " << first + 1 << "-" << first + shown << " of " << total << " (page "
            << a.page << " of " << pages << ")";
  if (static_cast<std::size_t>(a.page) < pages) std::cout << "; next: " << next_page(a, a.page + 1);
  std::cout << "\n";
}

void show_events(store::Tx& tx, const store::Tenant& t, const LogArgs& a, std::int64_t since) {
  std::vector<store::RunRow> runs;
  store::RunRow admin;  // run 0: the admin's decisions (review, links, approvals)
  admin.tenant_id = t.id;
  admin.outcome = "admin decisions";
  admin.summary = "decisions made outside a Web Connector run";
  if (a.run == 0) {
    runs.push_back(admin);
  } else if (a.run > 0) {
    const auto run = tx.run(a.run);
    if (!run || run->tenant_id != t.id)
      throw Error("no run " + std::to_string(a.run) + " for " + terminal_safe(a.user));
    runs.push_back(*run);
  } else {
    runs = tx.runs(t.id, 1 << 30);
    runs.push_back(admin);
  }
  const auto kinds = split_commas(a.kind);
  const int min_level = a.level.empty() ? 0 : level_rank(a.level);
  std::vector<store::EventRow> all;
  for (const auto& r : runs) {
    if (a.run < 0 && since && r.ended_at && r.ended_at < since) continue;
    for (auto& e : tx.tenant_events(t.id, r.id)) {
      if (level_rank(e.level) < min_level) continue;
      if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) continue;
      if (!a.account.empty() && e.account_id != a.account) continue;
      if (since && e.at < since) continue;
      if (a.before && e.id >= a.before) continue;
      all.push_back(std::move(e));
    }
  }
  // --before ID: the events just before that one (a cursor), still in order.
  std::size_t limit = a.limit > 0 ? static_cast<std::size_t>(a.limit) : a.json ? 0 : 100;
  if (a.before && limit && all.size() > limit)
    all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
  const auto shown = page_of(all, limit, a.page);
  if (a.json) {
    auto arr = nlohmann::json::array();
    for (const auto& e : shown)
      arr.push_back({{"id", e.id},
                     {"run", e.run_id},
                     {"at", format_time(e.at)},
                     {"level", e.level},
                     {"kind", e.kind},
                     {"account_kind", e.account_kind},
                     {"account_id", e.account_id},
                     {"message", e.message}});
    std::cout << arr.dump(2) << "\n";
    return;
  }
  if (a.run >= 0) {
    const auto& run = runs[0];
    std::cout << "run " << run.id << " (" << terminal_safe(run.outcome)
              << "): " << fit(run.summary, 70) << "\n";
  }
  if (all.empty()) {
    std::cout << "no events"
              << (a.level.empty() && a.kind.empty() && a.account.empty() && a.since.empty() &&
                          !a.before
                      ? ""
                      : " match")
              << "\n";
    return;
  }
  // 100 columns: [RUN 6] TIME 19, LEVEL 5, KIND 10, ACCOUNT 10, MESSAGE the rest.
  const std::size_t message = a.run >= 0 ? 48 : 40;
  if (a.run < 0) std::cout << fit("RUN", 6) << "  ";
  std::cout << fit("TIME (UTC)", 19) << "  " << fit("LEVEL", 5) << "  " << fit("KIND", 10) << "  "
            << fit("ACCOUNT", 10) << "  MESSAGE\n";
  bool cut = false;
  for (const auto& e : shown) {
    if (a.run < 0) std::cout << fit(std::to_string(e.run_id), 6) << "  ";
    const auto text = fit(e.message, message);
    cut |= text.size() >= 3 && text.ends_with("\u2026");
    std::cout << format_time(e.at) << "  " << fit(e.level, 5) << "  " << fit(e.kind, 10) << "  "
              << fit(e.account_id, 10) << "  " << text << "\n";
  }
  footer(a, shown.size(), all.size(), limit, "events");
  if (cut) std::cout << "(messages cut to fit 100 columns: --json shows them whole)\n";
}

void show_runs(store::Tx& tx, const store::Tenant& t, const LogArgs& a, std::int64_t since) {
  std::vector<store::RunRow> all;
  for (auto& r : tx.runs(t.id, 1 << 30)) {
    if (since && r.started_at < since) continue;
    if (a.before && r.id >= a.before) continue;
    all.push_back(std::move(r));
  }
  const std::size_t limit = a.limit > 0 ? static_cast<std::size_t>(a.limit) : 50;
  const auto runs = page_of(all, limit, a.page);
  if (a.json) {
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
  if (all.empty()) {
    std::cout << "no runs " << (a.since.empty() && !a.before ? "yet " : "match ") << "for "
              << terminal_safe(a.user) << "\n";
    return;
  }
  // 100 columns.
  std::cout << fit("RUN", 6) << "  " << fit("STARTED (UTC)", 19) << "  " << fit("OUTCOME", 12)
            << "  LINKED  ADDED REVIEW ERRORS  SUMMARY\n";
  for (const auto& r : runs)
    std::cout << fit(std::to_string(r.id), 6) << "  " << fit(format_time(r.started_at), 19) << "  "
              << fit(r.outcome, 12) << "  " << fit(std::to_string(r.linked), 6) << "  "
              << fit(std::to_string(r.added), 5) << " " << fit(std::to_string(r.review), 6) << " "
              << fit(std::to_string(r.errors), 6) << "  " << fit(r.summary, 28) << "\n";
  footer(a, runs.size(), all.size(), limit, "runs");
  std::cout << "details: qblink log " << terminal_safe(a.user)
            << " --run ID [--level warn] [--account ID]\n";
}

}  // namespace

void add_log_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<LogArgs>();
  auto* cmd = app.add_subcommand("log", "The sync log: runs, or events (one run's, or filtered)");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("--run", a->run, "Show this run's events (0: the admin's decisions)");
  cmd->add_option("--level", a->level, "Events at this level or worse: info, warn, error")
      ->check(CLI::IsMember({"info", "warn", "warning", "error"}));
  cmd->add_option("--kind", a->kind, "Events of these kinds (comma-separated), e.g. linked,review");
  cmd->add_option("--account", a->account, "Events about this account_id");
  cmd->add_option("--since", a->since,
                  "From a UTC date or time (2026-11-25 18:00) or age (12h, 7d)");
  cmd->add_option("--limit", a->limit, "Per page (default 50 runs, 100 events; JSON: all events)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--page", a->page, "Page number, from 1")->check(CLI::Range(1, 1000000000));
  cmd->add_option("--before", a->before, "Only runs (or events) with an id below this one");
  cmd->add_flag("--json", a->json, "Machine-readable output (events carry their id)");
  cmd->callback([a, &ctx] {
    const std::int64_t since = a->since.empty() ? 0 : parse_since(a->since, std::time(nullptr));
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(false);
    const auto t = require_tenant(*tx, a->user);
    if (a->run >= 0 || !a->level.empty() || !a->kind.empty() || !a->account.empty())
      show_events(*tx, t, *a, since);
    else
      show_runs(*tx, t, *a, since);
  });
}

}  // namespace qblink::cli

// qblink simulate: plays the QuickBooks Web Connector against any QBWC server, with a fake
// QuickBooks company held in a JSON file.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"

namespace qblink::cli {
namespace {

struct SimulateArgs {
  std::vector<std::string> urls;  // several: one call each in turn, as a load balancer would
  std::string user;
  bool password_stdin = false;
  std::string company_file;
  int runs = 1;
  int latency_ms = 0;
  std::optional<int> drop_response_at;
  bool company_not_open = false;
  std::string owner_id;
  std::string xsd_dir;
  bool json = false;
};

// With several URLs each call also says which server it went to (0 = the first --url).
nlohmann::json to_json(int run, const sim::SessionResult& r, bool several) {
  nlohmann::json calls = nlohmann::json::array();
  for (const auto& c : r.calls) {
    calls.push_back({{"method", c.method}, {"request", c.request}, {"outcome", c.outcome}});
    if (several) calls.back()["server"] = c.server;
  }
  auto optional_int = [](const std::optional<int>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"run", run},
          {"ok", r.ok},
          {"error", r.error},
          {"fault_injected", r.fault_injected},
          {"calls", std::move(calls)},
          {"requests_sent", r.requests_sent},
          {"nothing_to_do", r.nothing_to_do},
          {"auth_status", r.auth_status},
          {"postpone_seconds", optional_int(r.postpone_seconds)},
          {"min_run_every_seconds", optional_int(r.min_run_every_seconds)},
          {"last_error", r.last_error},
          {"close_message", r.close_message},
          {"warnings", r.warnings}};
}

void print_human(int run, int runs, const sim::SessionResult& r, bool several) {
  std::cout << "run " << run << "/" << runs << "\n";
  for (const auto& c : r.calls) {
    std::cout << "  ";
    if (several) std::cout << "[" << c.server << "] ";
    std::cout << c.method << "(" << c.request << ") -> " << c.outcome << "\n";
  }
  for (const auto& w : r.warnings) std::cout << "  warning: " << w << "\n";
  if (r.ok) {
    std::cout << "  ok: " << r.requests_sent << " request(s) processed";
    if (r.nothing_to_do) std::cout << ", nothing to do";
    if (!r.close_message.empty()) std::cout << ", closeConnection \"" << r.close_message << "\"";
    std::cout << "\n";
  } else {
    std::cout << "  " << (r.fault_injected ? "failed as asked: " : "FAILED: ") << r.error << "\n";
  }
  std::cout.flush();
}

void run_simulate(const SimulateArgs& args) {
  if (!args.password_stdin) throw Error("simulate: --password-stdin is required");
  const std::filesystem::path company_path = args.company_file;
  sim::Company company;
  try {
    company = sim::load_company(company_path);
  } catch (const std::exception& e) {
    throw Error(std::string("simulate: ") + e.what());
  }

  sim::WebConnectorOptions options;
  options.url = args.urls.at(0);  // CLI11 requires one
  options.more_urls.assign(args.urls.begin() + 1, args.urls.end());
  const bool several = args.urls.size() > 1;
  options.user = args.user;
  options.password = read_password_stdin();
  options.owner_id = args.owner_id;
  options.latency_ms = args.latency_ms;
  options.drop_response_at = args.drop_response_at;
  options.company_not_open = args.company_not_open;

  sim::FakeQuickBooksOptions qb_options;
  if (!args.xsd_dir.empty()) qb_options.xsd_dir = args.xsd_dir;
  sim::FakeQuickBooks quickbooks(company, qb_options);
  sim::WebConnector connector(options, quickbooks);

  int protocol_errors = 0;
  std::string first_error;
  for (int run = 1; run <= args.runs; ++run) {
    const auto result = connector.run_session();
    // QuickBooks keeps what it applied even when the session failed afterwards.
    sim::save_company(company, company_path);
    if (args.json) {
      std::cout << to_json(run, result, several).dump() << std::endl;
    } else {
      print_human(run, args.runs, result, several);
    }
    if (!result.ok && !result.fault_injected) {
      ++protocol_errors;
      if (first_error.empty()) first_error = "run " + std::to_string(run) + ": " + result.error;
    }
  }
  if (protocol_errors > 0) {
    throw Error("simulate: " + std::to_string(protocol_errors) + " of " +
                std::to_string(args.runs) + " session(s) failed; " + first_error);
  }
}

}  // namespace

void add_simulate_command(CLI::App& app, Context& ctx) {
  (void)ctx;  // the simulator talks to a server, never to the database
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand(
      "simulate", "Play the QuickBooks Web Connector against a QBWC server, with a fake company");
  cmd->add_option("--url", args->urls,
                  "The server's AppURL, e.g. http://localhost:8080/qbwc; repeat it for several "
                  "instances: each call goes to the next one in turn (round-robin)")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--user", args->user, "UserName from the .qwc")->required();
  cmd->add_flag("--password-stdin", args->password_stdin,
                "Read the password from standard input (first line)")
      ->required();
  cmd->add_option("--company", args->company_file,
                  "Fake QuickBooks company (JSON); its new state is saved back")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--runs", args->runs, "Sessions to run, one after the other")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--latency-ms", args->latency_ms, "QuickBooks time per request processed")
      ->check(CLI::Range(0, 600'000));
  cmd->add_option("--drop-response-at", args->drop_response_at,
                  "Lose the Nth response (1-based, counted across runs) after QuickBooks "
                  "applied it")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--company-not-open", args->company_not_open,
                "QuickBooks cannot open the company: the session goes through connectionError");
  cmd->add_option("--owner-id", args->owner_id, "OwnerID from the .qwc (for the FileID)");
  cmd->add_option("--xsd-dir", args->xsd_dir,
                  "qbXML XSD folder; when set, QuickBooks refuses schema-invalid requests")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", args->json, "One JSON document per run instead of text");
  cmd->callback([args] { run_simulate(*args); });
}

}  // namespace qblink::cli

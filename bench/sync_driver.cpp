// Load driver for a whole Web Connector session: a real `qblink serve` process, and in this
// process the Web Connector simulator (keep-alive POSTs with SOAPAction and Expect:
// 100-continue, bodies byte for byte as QBWC sends them, qbXML escaped in the SOAP text) and a
// zero-latency fake QuickBooks. Prints per session the wall time, SOAP calls, records QuickBooks
// returned, the server's CPU seconds (utime + stime from /proc/PID/stat, read just before
// serverVersion and just after closeConnection: authenticate included) and its peak RSS (VmHWM).
//   sync_driver [QB_CUSTOMERS=20000] [ACCOUNTS_EXISTING=15000] [ACCOUNTS_NEW=5000]
//               [--no-change-runs N=1] [--cold] [--all-linked] [--db DB] [-- serve args...]
// The first session is the first (full) sync; the next N are no-change (incremental) runs.
// --cold restarts the server before each no-change run (no password remembered in memory);
// --all-linked types the Accounting Setup name on every existing account, so that the first sync
// links them all (a tenant with ACCOUNTS_EXISTING linked customers). --db runs on an existing,
// empty database instead of a new SQLite file (e.g. a postgresql:// URI).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/driver_util.h"
#include "http/client.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"
#include "store/store.h"
#include "sync/auth.h"

namespace {

using namespace qblink;
using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional, extra;
  int no_change_runs = 1;
  bool cold = false, all_linked = false;
  std::string db_arg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      extra.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "--no-change-runs" && i + 1 < argc)
      no_change_runs = std::atoi(argv[++i]);
    else if (arg == "--cold")
      cold = true;
    else if (arg == "--all-linked")
      all_linked = true;
    else if (arg == "--db" && i + 1 < argc)
      db_arg = argv[++i];
    else
      positional.push_back(arg);
  }
  const auto arg_or = [&](std::size_t i, int fallback) {
    return positional.size() > i ? std::atoi(positional[i].c_str()) : fallback;
  };
  const int qb_customers = arg_or(0, 20000);
  const int existing = arg_or(1, 15000);
  const int fresh = arg_or(2, 5000);
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("qblink-sync-driver-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string db = db_arg.empty() ? (dir / "qblink.db").string() : db_arg;

  sim::Company company = bench::load_company(qb_customers);
  std::string owner;
  {
    auto store = store::open(db);
    auto tx = store->begin(true);
    // The first sync adds the 5,000 new accounts in the same session: no approval step.
    bench::seed_load_tenant(*tx, "load", sync::hash_password("secret-pw"), existing, fresh,
                            all_linked);
    owner = tx->owner_id();
    tx->commit();
  }

  auto server =
      std::make_unique<bench::ServerProcess>(bench::server_binary(QBLINK_BINARY), db, extra);

  sim::FakeQuickBooks qb(company);
  sim::WebConnectorOptions o;
  o.url = server->qbwc_url();
  o.user = "load";
  o.password = "secret-pw";
  o.owner_id = owner;
  o.noop_pause_ms = 0;

  std::printf("%d QuickBooks customers, %d accounts (%d existing, %d new)\n", qb_customers,
              existing + fresh, existing, fresh);
  std::printf("%-12s %8s %10s %9s %9s %12s %14s %12s %s\n", "run", "wall s", "SOAP calls",
              "exchanges", "records", "server CPU s", "(schedstat ms)", "peak RSS MB",
              "closeConnection");
  int exit_code = 0;
  for (int run = 0; run <= no_change_runs; ++run) {
    const std::string label = run == 0 ? "first" : "no-change " + std::to_string(run);
    if (run > 0 && cold) {
      server.reset();  // the old process exits before the new one opens the database
      server =
          std::make_unique<bench::ServerProcess>(bench::server_binary(QBLINK_BINARY), db, extra);
    }
    o.url = server->qbwc_url();
    sim::WebConnector wc(o, qb);
    const auto before = server->stats();
    const auto records_before = qb.records_returned();
    const auto t0 = Clock::now();
    const auto r = wc.run_session();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto after = server->stats();
    std::printf("%-12s %8.3f %10zu %9zu %9zu %12.2f %14.2f %12.1f %s\n", label.c_str(), wall,
                r.calls.size(), r.requests_sent, qb.records_returned() - records_before,
                after.cpu_seconds - before.cpu_seconds,
                (after.sched_seconds - before.sched_seconds) * 1e3,
                static_cast<double>(after.peak_rss_kb) / 1024.0, r.close_message.c_str());
    if (!r.ok) {
      std::fprintf(stderr, "session failed: %s\n", r.error.c_str());
      exit_code = 1;
    }
  }
  std::printf("QuickBooks now holds %zu customers (expected %d)\n", company.customers.size(),
              qb_customers + fresh);
  server.reset();
  fs::remove_all(dir);
  return exit_code;
}

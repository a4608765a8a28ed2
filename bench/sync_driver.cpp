// Load driver for a full simulated sync: a real `qblink serve` process, the Web Connector
// simulator and a zero-latency fake QuickBooks in this process. Prints wall time, SOAP calls,
// records QuickBooks returned, the server's CPU seconds and peak RSS, for a first (full) run
// and the next (incremental) run.
//   sync_driver [QB_CUSTOMERS=20000] [ACCOUNTS_EXISTING=15000] [ACCOUNTS_NEW=5000]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "http/client.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"
#include "store/guid.h"
#include "store/store.h"
#include "sync/auth.h"

namespace {

using namespace qblink;
using Clock = std::chrono::steady_clock;

struct ProcStats {
  double cpu_seconds = 0;
  long peak_rss_kb = 0;
};

ProcStats stats_of(pid_t pid) {
  ProcStats s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  // Fields after the ")" of the command name: utime is the 14th field, stime the 15th.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) s.peak_rss_kb = std::stol(line.substr(6));
  return s;
}

std::string qb_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S-08:00", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const int qb_customers = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int existing = argc > 2 ? std::atoi(argv[2]) : 15000;
  const int fresh = argc > 3 ? std::atoi(argv[3]) : 5000;
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("qblink-sync-driver-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "qblink.db").string();

  // The company: customers modified over the past months, ten minutes apart.
  sim::Company company;
  company.company_name = "Load Test Co";
  const std::time_t base = 1735689600;  // 2025-01-01
  for (int i = 0; i < qb_customers; ++i) {
    sim::Entity e;
    e.name = "Customer " + std::to_string(100000 + i) + " Services";
    e.time_created = e.time_modified = qb_time(base + static_cast<std::time_t>(i) * 600);
    company.customers.push_back(std::move(e));
  }
  company.clock = static_cast<long long>(qb_customers) * 600 + 3600;
  sim::normalize_company(company);

  std::string owner;
  {
    store::Store store(db);
    auto tx = store.begin(true);
    store::Tenant t;
    t.username = "load";
    t.password_hash = sync::hash_password("secret-pw");
    t.file_id = store::make_guid();
    const auto id = tx->add_tenant(t);
    owner = tx->owner_id();
    for (int i = 0; i < existing + fresh; ++i) {
      store::AccountRow a;
      a.account_id = "A" + std::to_string(i);
      if (i < existing) {
        a.name = "Customer " + std::to_string(100000 + i) + " Services";
        if (i % 3 != 0) a.accounting_name = a.name;  // two thirds typed in Accounting Setup
      } else {
        a.name = "New Account " + std::to_string(i);
      }
      a.phone = "555-0100";
      tx->upsert_account(id, a);
    }
    tx->commit();
  }

  boost::asio::io_context io;
  unsigned short port;
  {
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(QBLINK_BINARY, QBLINK_BINARY, "--db", db.c_str(), "serve", "--listen", listen.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 400; ++i) {
    try {
      http::Client c("http://127.0.0.1:" + std::to_string(port) + "/health");
      if (c.get("/health").status == 200) break;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }

  sim::FakeQuickBooks qb(company);
  sim::WebConnectorOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/qbwc";
  o.user = "load";
  o.password = "secret-pw";
  o.owner_id = owner;
  o.noop_pause_ms = 0;
  sim::WebConnector wc(o, qb);

  std::printf("%d QuickBooks customers, %d accounts (%d existing, %d new)\n", qb_customers,
              existing + fresh, existing, fresh);
  std::printf("%-12s %8s %10s %9s %12s %12s %s\n", "run", "wall s", "SOAP calls", "records",
              "server CPU s", "peak RSS MB", "closeConnection");
  int exit_code = 0;
  for (const char* label : {"full", "incremental"}) {
    const auto before = stats_of(pid);
    const auto records_before = qb.records_returned();
    const auto t0 = Clock::now();
    const auto r = wc.run_session();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto after = stats_of(pid);
    std::printf("%-12s %8.3f %10zu %9zu %12.3f %12.1f %s\n", label, wall, r.calls.size(),
                qb.records_returned() - records_before, after.cpu_seconds - before.cpu_seconds,
                static_cast<double>(after.peak_rss_kb) / 1024.0, r.close_message.c_str());
    if (!r.ok) {
      std::fprintf(stderr, "session failed: %s\n", r.error.c_str());
      exit_code = 1;
    }
  }
  std::printf("QuickBooks now holds %zu customers (expected %d)\n", company.customers.size(),
              qb_customers + fresh);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  fs::remove_all(dir);
  return exit_code;
}

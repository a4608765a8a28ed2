// Several `qblink serve` instances on one database (issue 14), driven by the Web Connector
// simulator with its calls spread round-robin over them, as a balancer would. Server CPU is
// summed over the instances (utime + stime from /proc/PID/stat); with --pg-data, the
// PostgreSQL cluster's CPU too (the postmaster, its live backends, and what its ended children
// used: cutime + cstime).
//   multi_driver first-sync [--instances N=3] [--db DB] [--pg-data DIR]
//                [QB_CUSTOMERS=20000 ACCOUNTS_EXISTING=15000 ACCOUNTS_NEW=5000] [-- serve args]
//     One first sync of one tenant, then one no-change run.
//   multi_driver capacity [--instances N=3] [--db DB] [--pg-data DIR] [--tenants T=1000]
//                [--customers C=20] [--clients K=8] [--rounds R=2] [-- serve args]
//     T tenants with C linked customers each; after their first syncs and a warm-up round (every
//     instance has seen each password once), K Web Connectors at a time run R rounds of
//     no-change sessions over all tenants. Sessions per second, server CPU per session.
// DB: a path (SQLite) or a postgresql:// URI of an EMPTY database; default a fresh SQLite file.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/driver_util.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "sim/web_connector.h"
#include "store/store.h"
#include "sync/auth.h"

namespace {

using namespace qblink;
using Clock = std::chrono::steady_clock;
constexpr const char* kPassword = "secret-pw";

struct Args {
  std::string mode;
  std::size_t instances = 3;
  std::string db;
  std::string pg_data;
  int qb_customers = 20000, existing = 15000, fresh = 5000;
  int tenants = 1000, customers = 20, clients = 8, rounds = 2;
  std::vector<std::string> serve_args;
};

// CPU seconds of a PostgreSQL cluster: the postmaster's own and its reaped children's (cutime +
// cstime: backends that ended), plus every live child's. Zero without a data folder.
double pg_cpu_seconds(const std::string& data_dir) {
  if (data_dir.empty()) return 0;
  std::ifstream pid_file(data_dir + "/postmaster.pid");
  long postmaster = 0;
  if (!(pid_file >> postmaster)) return 0;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    // Fields after "pid (comm)": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long ppid = 0;
    double utime = 0, stime = 0, cutime = 0, cstime = 0;
    for (int i = 3; i <= 17 && rest >> field; ++i) {
      if (i == 4) ppid = std::stol(field);
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
      if (i == 16) cutime = std::stod(field);
      if (i == 17) cstime = std::stod(field);
    }
    const long pid = std::stol(name);
    if (pid == postmaster) total += (utime + stime + cutime + cstime) / tick;
    if (ppid == postmaster) total += (utime + stime) / tick;
  }
  return total;
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// Everything the figures are differences of.
struct Sample {
  Clock::time_point at = Clock::now();
  std::vector<bench::ProcStats> servers;
  double pg = 0;
  double driver = own_cpu_seconds();
};

struct Pool {
  std::vector<std::unique_ptr<bench::ServerProcess>> instances;

  Sample sample(const Args& a) const {
    Sample s;
    for (const auto& i : instances) s.servers.push_back(i->stats());
    s.pg = pg_cpu_seconds(a.pg_data);
    s.driver = own_cpu_seconds();
    s.at = Clock::now();
    return s;
  }
  sim::WebConnectorOptions options(const std::string& user, const std::string& owner,
                                   std::size_t first) const {
    return bench::round_robin_options(instances, first, user, kPassword, owner);
  }
};

struct Delta {
  double wall = 0, server_cpu = 0, pg_cpu = 0, driver_cpu = 0;
  std::vector<double> per_instance;
  long peak_rss_mb = 0;
};

Delta delta(const Sample& before, const Sample& after) {
  Delta d;
  d.wall = std::chrono::duration<double>(after.at - before.at).count();
  for (std::size_t i = 0; i < after.servers.size(); ++i) {
    const double cpu = after.servers[i].cpu_seconds - before.servers[i].cpu_seconds;
    d.per_instance.push_back(cpu);
    d.server_cpu += cpu;
    d.peak_rss_mb = std::max(d.peak_rss_mb, after.servers[i].peak_rss_kb / 1024);
  }
  d.pg_cpu = after.pg - before.pg;
  d.driver_cpu = after.driver - before.driver;
  return d;
}

std::string per_instance(const Delta& d) {
  std::string out;
  char buf[32];
  for (double c : d.per_instance) {
    std::snprintf(buf, sizeof buf, "%s%.2f", out.empty() ? "" : "+", c);
    out += buf;
  }
  return out;
}

int first_sync(const Args& a, Pool& pool, const std::string& owner) {
  sim::Company company = bench::load_company(a.qb_customers);
  sim::FakeQuickBooks qb(company);
  sim::WebConnector wc(pool.options("load", owner, 0), qb);
  std::printf("%d QuickBooks customers, %d accounts (%d existing, %d new), %zu instance(s)\n",
              a.qb_customers, a.existing + a.fresh, a.existing, a.fresh, pool.instances.size());
  std::printf("%-10s %8s %6s %13s %22s %9s %13s %s\n", "run", "wall s", "calls", "server CPU s",
              "(per instance)", "PG CPU s", "peak RSS MB", "closeConnection");
  int exit_code = 0;
  for (int run = 0; run < 2; ++run) {
    const auto before = pool.sample(a);
    const auto r = wc.run_session();
    const auto d = delta(before, pool.sample(a));
    std::printf("%-10s %8.2f %6zu %13.2f %22s %9.2f %13ld %s\n", run == 0 ? "first" : "no-change",
                d.wall, r.calls.size(), d.server_cpu, per_instance(d).c_str(), d.pg_cpu,
                d.peak_rss_mb, r.close_message.c_str());
    if (!r.ok) {
      std::fprintf(stderr, "session failed: %s\n", r.error.c_str());
      exit_code = 1;
    }
  }
  std::printf("QuickBooks now holds %zu customers (expected %d)\n", company.customers.size(),
              a.qb_customers + a.fresh);
  return exit_code;
}

struct TenantLoad {
  sim::Company company;
  std::unique_ptr<sim::FakeQuickBooks> qb;
  std::unique_ptr<sim::WebConnector> wc;
};

// Runs one session for every tenant, `clients` at a time; returns the failures. A login told
// "busy" (every password-hash slot taken) is tried again, as the Web Connector would later.
int round_over(std::vector<TenantLoad>& tenants, int clients, std::atomic<long>& busy) {
  std::atomic<std::size_t> next{0};
  std::atomic<int> failed{0};
  std::mutex print;
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < tenants.size();) {
        for (;;) {
          const auto r = tenants[i].wc->run_session();
          if (r.ok && r.auth_status == "busy") {
            ++busy;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
          }
          if (!r.ok) {
            std::lock_guard lock(print);
            if (failed++ < 5) std::fprintf(stderr, "tenant %zu: %s\n", i, r.error.c_str());
          }
          break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return failed;
}

int capacity(const Args& a, Pool& pool, const std::string& owner) {
  std::vector<TenantLoad> tenants(static_cast<std::size_t>(a.tenants));
  for (int t = 0; t < a.tenants; ++t) {
    auto& load = tenants[static_cast<std::size_t>(t)];
    load.company = bench::load_company(a.customers);
    load.qb = std::make_unique<sim::FakeQuickBooks>(load.company);
    load.wc = std::make_unique<sim::WebConnector>(
        pool.options("t" + std::to_string(t), owner,
                     static_cast<std::size_t>(t) % pool.instances.size()),
        *load.qb);
  }
  std::atomic<long> busy{0};
  std::printf("%d tenants x %d linked customers, %zu instance(s), %d Web Connectors at a time\n",
              a.tenants, a.customers, pool.instances.size(), a.clients);
  std::printf("%-14s %8s %10s %10s %14s %22s %13s %13s\n", "phase", "wall s", "sessions/s",
              "server s", "server ms/sess", "(per instance s)", "PG ms/sess", "driver ms/sess");
  int failures = 0;
  const auto report = [&](const std::string& phase, const Sample& before) {
    const auto d = delta(before, pool.sample(a));
    const double n = static_cast<double>(a.tenants);
    std::printf("%-14s %8.2f %10.1f %10.2f %14.2f %22s %13.2f %13.2f\n", phase.c_str(), d.wall,
                n / d.wall, d.server_cpu, d.server_cpu / n * 1e3, per_instance(d).c_str(),
                d.pg_cpu / n * 1e3, d.driver_cpu / n * 1e3);
    std::fflush(stdout);
  };
  // Not timed as capacity: the first syncs link everything; the warm-up rounds give each
  // instance each password once (argon2id then runs only when the in-memory cache expires).
  const int warm_up = static_cast<int>(pool.instances.size());
  for (int round = 0; round <= warm_up; ++round) {
    const auto before = pool.sample(a);
    failures += round_over(tenants, a.clients, busy);
    report(round == 0 ? "first sync" : "warm-up " + std::to_string(round), before);
  }
  for (int round = 1; round <= a.rounds; ++round) {
    const auto before = pool.sample(a);
    failures += round_over(tenants, a.clients, busy);
    report("no-change " + std::to_string(round), before);
  }
  std::printf("logins told busy and retried: %ld; failed sessions: %d\n", busy.load(), failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--") {
      a.serve_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "--instances")
      a.instances = static_cast<std::size_t>(std::max(1, std::atoi(value().c_str())));
    else if (arg == "--db")
      a.db = value();
    else if (arg == "--pg-data")
      a.pg_data = value();
    else if (arg == "--tenants")
      a.tenants = std::atoi(value().c_str());
    else if (arg == "--customers")
      a.customers = std::atoi(value().c_str());
    else if (arg == "--clients")
      a.clients = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--rounds")
      a.rounds = std::atoi(value().c_str());
    else if (a.mode.empty())
      a.mode = arg;
    else
      positional.push_back(arg);
  }
  if (a.mode != "first-sync" && a.mode != "capacity") {
    std::fprintf(stderr, "usage: multi_driver first-sync|capacity [options] (see the source)\n");
    return 2;
  }
  if (positional.size() > 0) a.qb_customers = std::atoi(positional[0].c_str());
  if (positional.size() > 1) a.existing = std::atoi(positional[1].c_str());
  if (positional.size() > 2) a.fresh = std::atoi(positional[2].c_str());

  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("qblink-multi-driver-" + std::to_string(getpid()));
  fs::create_directories(dir);
  if (a.db.empty()) a.db = (dir / "qblink.db").string();

  std::string owner;
  {
    auto store = store::open(a.db);
    auto tx = store->begin(true);
    const auto hash = sync::hash_password(kPassword);
    if (a.mode == "first-sync") {
      bench::seed_load_tenant(*tx, "load", hash, a.existing, a.fresh, false);
    } else {
      for (int t = 0; t < a.tenants; ++t)
        bench::seed_load_tenant(*tx, "t" + std::to_string(t), hash, a.customers, 0, true);
    }
    owner = tx->owner_id();
    tx->commit();
  }
  int exit_code = 0;
  {
    Pool pool;
    for (std::size_t i = 0; i < a.instances; ++i)
      pool.instances.push_back(
          std::make_unique<bench::ServerProcess>(QBLINK_BINARY, a.db, a.serve_args));
    exit_code = a.mode == "first-sync" ? first_sync(a, pool, owner) : capacity(a, pool, owner);
  }
  fs::remove_all(dir);
  return exit_code;
}

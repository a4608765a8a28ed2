#pragma once
// Shared by the *_driver programs: start a real `qblink serve` in its own process, and read its
// CPU time (utime + stime from /proc/PID/stat) and peak RSS (VmHWM from /proc/PID/status) around
// the timed part, so that the figures are the server's alone, never the client's.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "sim/company.h"
#include "sim/web_connector.h"
#include "store/guid.h"
#include "store/store.h"

namespace qblink::bench {

// A QuickBooks date-time (Pacific time, as QuickBooks writes it) for unix time `t`.
inline std::string qb_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S-08:00", &tm);
  return buf;
}

// The load company: `customers` names "Customer 1000NN Services", modified over the past months,
// ten minutes apart.
inline sim::Company load_company(int customers) {
  sim::Company company;
  company.company_name = "Load Test Co";
  const std::time_t base = 1735689600;  // 2025-01-01
  for (int i = 0; i < customers; ++i) {
    sim::Entity e;
    e.name = "Customer " + std::to_string(100000 + i) + " Services";
    e.time_created = e.time_modified = qb_time(base + static_cast<std::time_t>(i) * 600);
    company.customers.push_back(std::move(e));
  }
  company.clock = static_cast<long long>(customers) * 600 + 3600;
  sim::normalize_company(company);
  return company;
}

// Adds tenant `user` (no approval step: the load's adds go in the same session) with `existing`
// accounts named like load_company's customers and `fresh` new ones. `all_linked`: every existing
// account has its Accounting Setup name typed (the first sync links them all); otherwise two
// thirds do and the rest are matched by name. Returns the tenant's id.
inline store::TenantId seed_load_tenant(store::Tx& tx, const std::string& user,
                                        const std::string& password_hash, int existing, int fresh,
                                        bool all_linked) {
  store::Tenant t;
  t.username = user;
  t.password_hash = password_hash;
  t.file_id = store::make_guid();
  const auto id = tx.add_tenant(t);
  tx.set_auto_add_limit(id, store::kUnlimitedAdds);
  for (int i = 0; i < existing + fresh; ++i) {
    store::AccountRow a;
    a.account_id = "A" + std::to_string(i);
    if (i < existing) {
      a.name = "Customer " + std::to_string(100000 + i) + " Services";
      if (all_linked || i % 3 != 0) a.accounting_name = a.name;  // typed in Accounting Setup
    } else {
      a.name = "New Account " + std::to_string(i);
    }
    a.phone = "555-0100";
    tx.upsert_account(id, a);
  }
  return id;
}

struct ProcStats {
  double cpu_seconds = 0;  // utime + stime, all threads (clock ticks: 10 ms resolution)
  // The same CPU time to the nanosecond: the sum of the threads' /proc/PID/task/TID/schedstat
  // (time on CPU). For short runs, where 10 ms ticks say nothing; threads that ended are missed.
  double sched_seconds = 0;
  long peak_rss_kb = 0;  // VmHWM
};

inline ProcStats stats_of(pid_t pid) {
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
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream sched(task.path() / "schedstat");
    unsigned long long ns = 0;
    if (sched >> ns) s.sched_seconds += static_cast<double>(ns) / 1e9;
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) s.peak_rss_kb = std::stol(line.substr(6));
  return s;
}

// The server to measure: $QBLINK_BENCH_SERVER when set (e.g. a copy of the binary before a
// change, for before/after figures from one driver), else the qblink built with the driver.
inline std::string server_binary(const char* built) {
  const char* other = std::getenv("QBLINK_BENCH_SERVER");
  return other && *other ? other : built;
}

// `qblink --db DB serve --listen 127.0.0.1:PORT EXTRA...` as a child process, ready (GET /health
// answers 200) when the constructor returns; SIGTERM and reaped by the destructor. Also used by
// the multi-instance tests (tests/multi/), which kill instances mid-session.
class ServerProcess {
 public:
  ServerProcess(const std::string& binary, const std::string& db,
                const std::vector<std::string>& extra = {}) {
    {
      boost::asio::io_context io;
      boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
      port_ = a.local_endpoint().port();
    }
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{binary, "--db", db, "serve", "--listen", listen};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    // Generous: sanitizer builds on a loaded machine start slowly (tests/multi uses this too).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        http::Client c(base() + "/health");
        if (c.get("/health").status == 200) return;
      } catch (const std::exception&) {
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("qblink serve exited at start (see its output above)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    stop(SIGKILL);
    throw std::runtime_error("qblink serve did not answer /health");
  }
  ~ServerProcess() { stop(SIGTERM); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Sends `sig` (SIGKILL: the machine dies mid-session) and reaps the process; once only.
  void stop(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool running() const { return pid_ > 0; }

  pid_t pid() const { return pid_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string qbwc_url() const { return base() + "/qbwc"; }
  ProcStats stats() const { return stats_of(pid_); }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// A Web Connector that sends each call to the next instance in turn, starting at `first`, as a
// round-robin balancer would (the multi-instance tests and bench/multi_driver).
inline sim::WebConnectorOptions round_robin_options(
    const std::vector<std::unique_ptr<ServerProcess>>& instances, std::size_t first,
    const std::string& user, const std::string& password, const std::string& owner_id) {
  sim::WebConnectorOptions o;
  for (std::size_t k = 0; k < instances.size(); ++k) {
    const auto url = instances[(first + k) % instances.size()]->qbwc_url();
    if (k == 0)
      o.url = url;
    else
      o.more_urls.push_back(url);
  }
  o.user = user;
  o.password = password;
  o.owner_id = owner_id;
  o.noop_pause_ms = 0;
  return o;
}

}  // namespace qblink::bench

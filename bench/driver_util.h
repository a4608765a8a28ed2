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
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

namespace qblink::bench {

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
// answers 200) when the constructor returns; SIGTERM and reaped by the destructor.
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
    for (int i = 0; i < 400; ++i) {
      try {
        http::Client c(base() + "/health");
        if (c.get("/health").status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("qblink serve did not answer /health");
  }
  ~ServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string qbwc_url() const { return base() + "/qbwc"; }
  ProcStats stats() const { return stats_of(pid_); }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

}  // namespace qblink::bench

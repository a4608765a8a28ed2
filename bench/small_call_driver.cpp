// Small SOAP calls as the Web Connector makes them, against a real `qblink serve` process:
// CONNECTIONS keep-alive connections (one thread each, one call in flight per connection), each
// POST carrying SOAPAction and `Expect: 100-continue` and a body built byte for byte by the
// simulator (sim/envelope), alternating serverVersion and clientVersion. Prints, per repeat,
// calls per second and the server's CPU (utime + stime from /proc/PID/stat) per call in µs.
//   small_call_driver [CONNECTIONS=8] [CALLS_PER_CONNECTION=2000] [REPEATS=3] [-- serve args...]
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/driver_util.h"
#include "http/client.h"
#include "sim/envelope.h"

namespace {

using namespace qblink;
namespace env = sim::envelope;

// The Web Connector's own User-Agent (.NET 2.0 SoapHttpClientProtocol).
constexpr const char* kUserAgent =
    "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 2.0.50727.1433)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional, extra;
  bool after_dashes = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (!after_dashes && a == "--") {
      after_dashes = true;
      continue;
    }
    (after_dashes ? extra : positional).push_back(a);
  }
  const int connections = positional.size() > 0 ? std::atoi(positional[0].c_str()) : 8;
  const int per_connection = positional.size() > 1 ? std::atoi(positional[1].c_str()) : 2000;
  const int repeats = positional.size() > 2 ? std::atoi(positional[2].c_str()) : 3;

  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("qblink-small-" + std::to_string(getpid()));
  fs::create_directories(dir);
  int exit_code = 0;
  {
    bench::ServerProcess server(bench::server_binary(QBLINK_BINARY), (dir / "qblink.db").string(),
                                extra);
    const std::string sv_body = env::server_version_request();
    const std::string cv_body = env::client_version_request("2.3.0.215");
    const std::string sv_action = env::soap_action_uri(env::Method::serverVersion);
    const std::string cv_action = env::soap_action_uri(env::Method::clientVersion);

    std::printf(
        "%d keep-alive connections x %d calls (serverVersion/clientVersion alternating), "
        "Expect: 100-continue on every POST\n",
        connections, per_connection);
    std::printf("%-7s %8s %10s %12s %14s %16s\n", "repeat", "wall s", "calls/s", "server CPU s",
                "server µs/call", "(schedstat µs)");
    std::atomic<int> errors{0};
    for (int rep = 1; rep <= repeats; ++rep) {
      // +1: the main thread reads the server's CPU between the warm-up and the timed calls.
      std::barrier sync(connections + 1);
      std::vector<std::thread> threads;
      for (int t = 0; t < connections; ++t) {
        threads.emplace_back([&] {
          http::ClientOptions o;
          o.expect_continue = true;
          o.user_agent = kUserAgent;
          http::Client client(server.qbwc_url(), o);
          auto one = [&](int i) {
            const bool sv = i % 2 == 0;
            const auto r = client.post(sv ? sv_body : cv_body, sv ? sv_action : cv_action);
            if (r.status != 200 || r.body.find(sv ? "serverVersionResult"
                                                  : "clientVersionResult") == std::string::npos)
              ++errors;
          };
          for (int i = 0; i < 20; ++i) one(i);  // connect and warm up, not timed
          sync.arrive_and_wait();
          sync.arrive_and_wait();
          for (int i = 0; i < per_connection; ++i) one(i);
        });
      }
      sync.arrive_and_wait();
      const auto before = server.stats();
      const auto t0 = std::chrono::steady_clock::now();
      sync.arrive_and_wait();
      for (auto& th : threads) th.join();
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto after = server.stats();
      const double calls = static_cast<double>(connections) * per_connection;
      const double cpu = after.cpu_seconds - before.cpu_seconds;
      const double sched = after.sched_seconds - before.sched_seconds;
      std::printf("%-7d %8.3f %10.0f %12.3f %14.1f %16.1f\n", rep, wall, calls / wall, cpu,
                  cpu / calls * 1e6, sched / calls * 1e6);
    }
    std::printf("server peak RSS %.1f MB; wrong or non-200 answers: %d\n",
                static_cast<double>(server.stats().peak_rss_kb) / 1024.0, errors.load());
    if (errors) exit_code = 1;
  }
  fs::remove_all(dir);
  return exit_code;
}

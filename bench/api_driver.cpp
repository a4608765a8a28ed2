// The JSON API as the field-service app uses it, against a real `qblink serve` in its own
// process: one batch upsert of N accounts in one call, then listing every account page by page
// (limit 1,000, cursor). Prints wall time and the server's CPU (from /proc) for each part.
//   api_driver [UPSERT_N=10000] [LIST_N=100000]
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "api/api.h"
#include "bench/driver_util.h"
#include "store/guid.h"
#include "store/store.h"
#include "sync/auth.h"

using namespace qblink;
using nlohmann::json;

namespace {

std::string batch(int from, int n) {
  json rows = json::array();
  for (int i = from; i < from + n; ++i)
    rows.push_back({{"account_id", "C" + std::to_string(i)},
                    {"name", "Customer " + std::to_string(i)},
                    {"phone", "555-01" + std::to_string(i % 100)},
                    {"email", "c" + std::to_string(i) + "@example.com"}});
  return json{{"kind", "customer"}, {"accounts", rows}}.dump();
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int upsert_n = argc > 1 ? std::atoi(argv[1]) : 10'000;
  const int list_n = argc > 2 ? std::atoi(argv[2]) : 100'000;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("qblink-api-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "q.db").string();
  std::string token;
  {
    store::SqliteStore store(db);
    auto tx = store.begin(true);
    store::Tenant t;
    t.username = "acme";
    t.password_hash = sync::hash_password("bench-password");
    t.file_id = store::make_guid();
    tx->add_tenant(t);
    tx->commit();
    token = api::create_token(store, std::string("acme"), "bench", 0).token;
  }
  int rc = 0;
  {
    bench::ServerProcess server(QBLINK_BINARY, db);
    http::Client client(server.base() + "/api/v1");
    const std::vector<std::pair<std::string, std::string>> auth = {
        {"Authorization", "Bearer " + token}};

    // 1. One call of upsert_n accounts.
    const auto body = batch(0, upsert_n);
    auto cpu0 = server.stats();
    double t0 = now_s();
    auto r = client.request("POST", "/api/v1/accounts", body, auth);
    double t1 = now_s();
    auto cpu1 = server.stats();
    if (r.status != 200) {
      std::fprintf(stderr, "upsert failed: %u %s\n", r.status, r.body.substr(0, 300).c_str());
      return 1;
    }
    std::printf("upsert %d accounts in one call (%zu KB): %.3f s wall, %.3f s server CPU\n",
                upsert_n, body.size() / 1024, t1 - t0, cpu1.sched_seconds - cpu0.sched_seconds);

    // 2. Fill to list_n (outside the timing), then list them all page by page.
    for (int from = upsert_n; from < list_n; from += 10'000) {
      r = client.request("POST", "/api/v1/accounts", batch(from, std::min(10'000, list_n - from)),
                         auth);
      if (r.status != 200) {
        std::fprintf(stderr, "fill failed: %u\n", r.status);
        return 1;
      }
    }
    cpu0 = server.stats();
    t0 = now_s();
    std::string target = "/api/v1/accounts?limit=1000";
    std::size_t seen = 0, pages = 0;
    for (;;) {
      r = client.request("GET", target, "", auth);
      if (r.status != 200) {
        std::fprintf(stderr, "list failed: %u %s\n", r.status, r.body.substr(0, 300).c_str());
        return 1;
      }
      const auto page = json::parse(r.body);
      seen += page["items"].size();
      ++pages;
      if (page["next_cursor"].is_null()) break;
      target = "/api/v1/accounts?limit=1000&cursor=" + page["next_cursor"].get<std::string>();
    }
    t1 = now_s();
    cpu1 = server.stats();
    std::printf("list %zu accounts in %zu pages of 1,000: %.3f s wall, %.3f s server CPU\n", seen,
                pages, t1 - t0, cpu1.sched_seconds - cpu0.sched_seconds);
    std::printf("server peak RSS %ld MB\n", cpu1.peak_rss_kb / 1024);
    if (seen != static_cast<std::size_t>(std::max(list_n, upsert_n))) rc = 2;
  }
  std::filesystem::remove_all(dir);
  return rc;
}

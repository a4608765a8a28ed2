#pragma once
// Several real `qblink serve` processes on one database (issue 14), the way a load balancer's
// pool looks: a fresh SQLite file shared by the processes (WAL), or a fresh PostgreSQL database
// when QBLINK_TEST_PG names a server. The simulated Web Connector spreads its calls over them.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/driver_util.h"
#include "sim/web_connector.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink::test {

// The engine a test runs on: "sqlite" or "postgres".
class SharedDb {
 public:
  explicit SharedDb(const std::string& engine) : engine_(engine) {
    if (engine == "sqlite") {
      db_ = (dir_ / "qblink.db").string();
      return;
    }
    const char* pg = std::getenv("QBLINK_TEST_PG");
    if (pg == nullptr || *pg == '\0') {
      skip_ = "QBLINK_TEST_PG is not set (a postgresql:// URI of a throwaway server)";
      return;
    }
    skip_ = "this build has no PostgreSQL store yet";
  }

  // Why the engine cannot be tested here; empty when it can.
  const std::string& skip_reason() const { return skip_; }
  const std::string& engine() const { return engine_; }
  // What `--db` takes.
  const std::string& db() const { return db_; }
  std::unique_ptr<store::Store> open() const { return std::make_unique<store::Store>(db_); }

 private:
  std::string engine_;
  TempDir dir_;
  std::string db_;
  std::string skip_;
};

// `n` instances of `qblink serve` on one database, each on its own free loopback port.
class Cluster {
 public:
  Cluster(const std::string& db, std::size_t n, const std::vector<std::string>& serve_args = {}) {
    for (std::size_t i = 0; i < n; ++i)
      instances_.push_back(std::make_unique<bench::ServerProcess>(QBLINK_BINARY, db, serve_args));
  }
  std::size_t size() const { return instances_.size(); }
  bench::ServerProcess& instance(std::size_t i) { return *instances_.at(i); }
  // The machine running instance `i` dies: no shutdown, no answer to what is in flight.
  void sigkill(std::size_t i) { instances_.at(i)->stop(SIGKILL); }

  // The Web Connector's options with every instance in the round-robin list, starting at
  // instance `first` (so that many Web Connectors do not all begin on the same one).
  sim::WebConnectorOptions wc_options(const std::string& user, const std::string& password,
                                      const std::string& owner_id, std::size_t first = 0) const {
    sim::WebConnectorOptions o;
    for (std::size_t k = 0; k < instances_.size(); ++k) {
      const auto url = instances_[(first + k) % instances_.size()]->qbwc_url();
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

 private:
  std::vector<std::unique_ptr<bench::ServerProcess>> instances_;
};

}  // namespace qblink::test

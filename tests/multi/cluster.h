#pragma once
// Several real `qblink serve` processes on one database (issue 14), the way a load balancer's
// pool looks: a fresh SQLite file shared by the processes (WAL), or a fresh schema on the
// QBLINK_TEST_PG server (support/pg_support.h). The simulated Web Connector spreads its calls
// over them.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/driver_util.h"
#include "sim/web_connector.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink::test {

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
    return bench::round_robin_options(instances_, first, user, password, owner_id);
  }

 private:
  std::vector<std::unique_ptr<bench::ServerProcess>> instances_;
};

}  // namespace qblink::test

#pragma once
// The routes qblink serves: POST /qbwc (SOAP), GET /health, /health/live, /health/ready,
// GET /metrics, GET /support (the .qwc AppSupport page, which the Web Connector requires to answer
// 200). Shared by `serve`, `demo` and tests.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "api/api.h"
#include "cli/observe.h"
#include "http/message.h"

namespace qblink::sync {
class Service;
}
namespace qblink::store {
class Store;
}

namespace qblink::cli {

struct EndpointOptions {
  std::size_t body_limit = std::size_t{32} << 20;
  // Readiness probe (e.g. store::Store::check): nullopt when ready, else one line. It runs on a
  // background thread at start and every readiness_interval; /health and /health/ready answer
  // from the last result, so they never block. Empty: always ready.
  std::function<std::optional<std::string>()> readiness_check;
  std::chrono::milliseconds readiness_interval{5'000};
  // With a store, the JSON API (/api/v1) is served beside /qbwc.
  store::Store* api_store = nullptr;
  api::Options api;
  // GET /metrics: who may scrape it (cli/observe.h).
  MetricsAccess metrics;
};

// The health and support routes answer inline (on the server's I/O thread); a large POST /qbwc
// body must carry an open session's ticket first (checked before the rest is read). The
// returned Endpoint owns the readiness thread, which stops when the last copy is destroyed.
http::Endpoint make_endpoint(sync::Service& service, const EndpointOptions& options);
// Without a readiness check.
http::Endpoint make_endpoint(sync::Service& service, std::size_t body_limit);

}  // namespace qblink::cli

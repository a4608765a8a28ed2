#pragma once
// The server's operator view (issue 12): GET /metrics, and one log line per HTTP request.
// Shared by make_endpoint (cli/endpoint.cpp); the metrics themselves live in obs/.
#include <chrono>

#include "http/message.h"

namespace qblink::http {
class Router;
}
namespace qblink::store {
class Store;
}

namespace qblink::cli {

struct MetricsAccess {
  // By default only an installation admin token (Authorization: Bearer) opens /metrics. True
  // lets loopback clients scrape without one (a Prometheus on the same machine); never with a
  // proxy on the machine in front of qblink, through which every client is loopback
  // (docs/SECURITY.md).
  bool loopback_open = false;
  // The per-tenant gauges are read from the store at most this often (one grouped query).
  std::chrono::milliseconds tenant_refresh{10'000};
};

// GET /metrics: the process's counters and histograms and, with a store, the per-tenant gauges.
void add_metrics_route(http::Router& router, store::Store* store, const MetricsAccess& access);

// Wraps the endpoint so that every request answered gets one log line (method, path without
// the query, status, duration, who it acted for, client IP) and is counted by status class.
// The Web Connector's POSTs, health checks and scrapes are logged at debug level: the session
// line says what the Web Connector did, and probes would drown the rest.
http::Endpoint with_request_log(http::Endpoint endpoint);

}  // namespace qblink::cli

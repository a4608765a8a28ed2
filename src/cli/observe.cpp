#include "cli/observe.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "api/api.h"
#include "http/router.h"
#include "http/server.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/store.h"

namespace qblink::cli {
namespace {

// The last tenant gauges read, refreshed at most every `refresh`: a scrape every few seconds
// from two Prometheus servers costs one grouped query, not two per scrape.
class TenantGauges {
 public:
  TenantGauges(store::Store& store, std::chrono::milliseconds refresh)
      : store_(store), refresh_(refresh) {}

  std::vector<obs::TenantGauge> get() {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!read_ || now - read_at_ >= refresh_) {
      std::vector<obs::TenantGauge> fresh;
      for (auto& t : store_.tenant_status())
        fresh.push_back({std::move(t.username), t.review, t.awaiting_approval, t.last_success});
      last_ = std::move(fresh);
      read_at_ = now;
      read_ = true;
    }
    return last_;
  }

 private:
  store::Store& store_;
  std::chrono::milliseconds refresh_;
  std::mutex mu_;
  bool read_ = false;
  std::chrono::steady_clock::time_point read_at_;
  std::vector<obs::TenantGauge> last_;
};

http::Response text(unsigned status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

bool quiet(const http::Request& rq) {
  const auto path = path_of(rq.target);
  return path == "/qbwc" || path == "/metrics" || path.rfind("/health", 0) == 0;
}

void log_request(const http::Request& rq, unsigned status,
                 std::chrono::steady_clock::time_point start) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const char* code = status < 300 ? "2xx" : status < 400 ? "3xx" : status < 500 ? "4xx" : "5xx";
  obs::metrics().http_requests.add(code);
  // The path only: a query string may carry what the caller meant to keep to itself.
  obs::event(quiet(rq) ? spdlog::level::debug : spdlog::level::info, "http request",
             {{"method", rq.method},
              {"path", path_of(rq.target)},
              {"status", status},
              {"duration_ms", ms},
              {"who", obs::take_request_subject()},
              {"client_ip", rq.client_ip.empty() ? rq.remote : rq.client_ip}});
}

}  // namespace

void add_metrics_route(http::Router& router, store::Store* store, const MetricsAccess& access) {
  std::shared_ptr<TenantGauges> gauges;
  if (store) gauges = std::make_shared<TenantGauges>(*store, access.tenant_refresh);
  router.route("GET", "/metrics", [store, gauges, access](const http::Request& rq) {
    const bool local = access.loopback_open && http::is_loopback_host(rq.client_ip);
    if (!local) {
      const auto authorization = rq.header("Authorization");
      if (!store || !api::is_admin_bearer(*store, authorization)) {
        obs::metrics().failed_logins.add("metrics");
        obs::event(spdlog::level::warn, "login refused",
                   {{"way", "metrics"},
                    {"client_ip", rq.client_ip},
                    {"reason", authorization.empty() ? "no token" : "not an admin token"}});
        auto r = text(401,
                      "GET /metrics needs an installation admin token "
                      "(Authorization: Bearer ...) from this address\n");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"qblink metrics\"");
        return r;
      }
    }
    obs::set_request_subject("admin");
    auto body = obs::metrics().text();
    if (gauges) obs::write_tenant_gauges(body, gauges->get());
    http::Response r;
    r.content_type = std::string(obs::kContentType);
    r.body = std::move(body);
    return r;
  });
}

http::Endpoint with_request_log(http::Endpoint endpoint) {
  endpoint.handler = [handler = std::move(endpoint.handler)](const http::Request& rq) {
    const auto start = std::chrono::steady_clock::now();
    obs::take_request_subject();  // nothing left over from an earlier request on this thread
    try {
      auto r = handler(rq);
      log_request(rq, r.status, start);
      return r;
    } catch (...) {
      log_request(rq, 500, start);  // the server answers 500 and logs why
      throw;
    }
  };
  if (endpoint.inline_handler) {
    endpoint.inline_handler = [inner = std::move(endpoint.inline_handler)](
                                  const http::Request& rq) -> std::optional<http::Response> {
      const auto start = std::chrono::steady_clock::now();
      auto r = inner(rq);
      if (r) log_request(rq, r->status, start);
      return r;
    };
  }
  return endpoint;
}

}  // namespace qblink::cli

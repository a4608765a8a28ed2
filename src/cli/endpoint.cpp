#include "cli/endpoint.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "admin/service.h"
#include "console/console.h"
#include "http/router.h"
#include "soap/adapter.h"
#include "sync/service.h"

namespace qblink::cli {
namespace {

http::Response reply(unsigned status, std::string content_type, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

// The last result of the readiness probe, refreshed by a background thread: the health routes
// run on the server's I/O thread and must not wait for the database.
class Readiness {
 public:
  using Check = std::function<std::optional<std::string>()>;

  Readiness(Check check, std::chrono::milliseconds interval)
      : check_(std::move(check)), interval_(interval) {
    problem_ = probe();  // known before the first request
    if (problem_) spdlog::error("not ready: {}", *problem_);
    thread_ = std::thread([this] { loop(); });
  }

  ~Readiness() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // nullopt when ready; else why not. Only takes a lock held for a string copy.
  std::optional<std::string> problem() const {
    std::lock_guard lock(mu_);
    return problem_;
  }

 private:
  std::optional<std::string> probe() const {
    try {
      return check_();
    } catch (const std::exception& e) {
      return std::string("readiness check failed: ") + e.what();
    } catch (...) {
      return std::string("readiness check failed");
    }
  }

  void loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      auto now = probe();
      lock.lock();
      if (now && !problem_) spdlog::error("not ready: {}", *now);
      if (!now && problem_) spdlog::info("ready again (was: {})", *problem_);
      problem_ = std::move(now);
    }
  }

  Check check_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::string> problem_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

http::Endpoint make_endpoint(sync::Service& service, std::size_t body_limit) {
  EndpointOptions o;
  o.body_limit = body_limit;
  return make_endpoint(service, o);
}

http::Endpoint make_endpoint(sync::Service& service, const EndpointOptions& options) {
  std::shared_ptr<Readiness> readiness;
  if (options.readiness_check) {
    readiness = std::make_shared<Readiness>(options.readiness_check, options.readiness_interval);
  }
  const auto ready = [readiness](const http::Request&) {
    if (auto problem = readiness ? readiness->problem() : std::nullopt) {
      return reply(503, "text/plain; charset=utf-8", "not ready: " + *problem + "\n");
    }
    return reply(200, "text/plain; charset=utf-8", "ok\n");
  };

  http::Router router;
  const std::size_t body_limit = options.body_limit;
  router.route("POST", "/qbwc", [&service, body_limit](const http::Request& rq) {
    auto r = soap::handle(service, rq.body, body_limit, {}, rq.client_ip);
    return reply(r.http_status, r.content_type, std::move(r.body));
  });
  router.route("GET", "/qbwc", [](const http::Request&) {
    return reply(200, "text/plain; charset=utf-8",
                 "qblink QuickBooks Web Connector endpoint: POST SOAP here.\n");
  });
  // Inline: answered on the I/O thread even when every worker is busy.
  router.route_inline("GET", "/health", ready);
  router.route_inline("GET", "/health/ready", ready);
  router.route_inline("GET", "/health/live", [](const http::Request&) {
    return reply(200, "text/plain; charset=utf-8", "ok\n");
  });
  add_metrics_route(router, options.api_store, options.metrics);
  router.route_inline("GET", "/support", [](const http::Request&) {
    return reply(200, "text/html; charset=utf-8",
                 "<!doctype html><title>qblink</title><h1>qblink</h1><p>This server links your "
                 "app's customers and suppliers to QuickBooks Desktop through the Web Connector. "
                 "Ask your administrator for the sync log: <code>qblink log USER</code>.</p>\n");
  });

  std::shared_ptr<admin::Service> admin;
  std::shared_ptr<api::Api> json_api;
  if (options.api_store) {
    admin = std::make_shared<admin::Service>(*options.api_store, options.api.clock);
    json_api = api::add_routes(router, *admin, *options.api_store, options.api);
    // The browser console: static files whose script calls only /api/v1.
    console::add_routes(router);
  }

  auto endpoint = router.endpoint();
  if (admin) {
    // The routes refer to the admin service and the API state: they live as long as the handler.
    endpoint.handler = [handler = std::move(endpoint.handler), admin,
                        json_api](const http::Request& rq) { return handler(rq); };
  }
  // A large body is only ever a call of an open session (receiveResponseXML carries the
  // QuickBooks answer), whose ticket comes first: refuse anything else before reading it whole.
  endpoint.body_prefix_check = [&service](
                                   const http::Request& head,
                                   std::string_view prefix) -> std::optional<http::Response> {
    if (head.method != "POST" || head.target.substr(0, head.target.find('?')) != "/qbwc")
      return std::nullopt;
    const auto ticket = soap::leading_ticket(prefix);
    if (ticket && service.ticket_is_open(*ticket)) return std::nullopt;
    return reply(403, "text/plain; charset=utf-8",
                 "a large request body must belong to an open session: its first parameter must "
                 "be the ticket of an open, unexpired session\n");
  };
  return with_request_log(std::move(endpoint));
}

}  // namespace qblink::cli

#include "http/router.h"

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

namespace qblink::http {

Router& Router::route(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler), false});
  return *this;
}

Router& Router::route_inline(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler), true});
  return *this;
}

InlineHandler Router::inline_handler() const {
  auto routes = std::make_shared<std::vector<Route>>();
  for (const auto& r : routes_) {
    if (r.is_inline) routes->push_back(r);
  }
  if (routes->empty()) return {};
  return [routes = std::shared_ptr<const std::vector<Route>>(routes)](
             const Request& request) -> std::optional<Response> {
    const std::string_view path =
        std::string_view(request.target)
            .substr(0, std::min(request.target.size(), request.target.find('?')));
    for (const auto& r : *routes) {
      if (r.path == path && r.method == request.method) return r.handler(request);
    }
    return std::nullopt;
  };
}

Endpoint Router::endpoint() const { return {handler(), inline_handler(), {}}; }

Handler Router::handler() const {
  // Shared and immutable: every worker thread reads the same table without locking.
  auto routes = std::make_shared<const std::vector<Route>>(routes_);
  return [routes](const Request& request) -> Response {
    const std::string path = request.target.substr(0, request.target.find('?'));
    std::vector<std::string> methods;
    for (const auto& r : *routes) {
      if (r.path != path) continue;
      if (r.method == request.method) return r.handler(request);
      if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) {
        methods.push_back(r.method);
      }
    }
    std::string allow;
    for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
    Response response;
    response.content_type = "text/plain; charset=utf-8";
    if (allow.empty()) {
      response.status = 404;
      response.body = "not found: " + path + "\n";
    } else {
      response.status = 405;
      response.body =
          "method " + request.method + " not allowed on " + path + "; allowed: " + allow + "\n";
      response.headers.emplace_back("Allow", allow);
    }
    return response;
  };
}

}  // namespace qblink::http

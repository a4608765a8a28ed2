#include "http/router.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace qblink::http {

Router& Router::route(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler)});
  return *this;
}

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

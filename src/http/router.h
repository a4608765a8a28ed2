#pragma once
// Exact-path routing in front of the server's single Handler: GET /health, POST /qbwc, ...
#include <string>
#include <vector>

#include "http/message.h"

namespace qblink::http {

class Router {
 public:
  // Adds a route. `path` is matched exactly against the request path, query string ignored.
  Router& route(std::string method, std::string path, Handler handler);

  // Adds a route the server answers on its I/O thread, never queued behind busy workers (health
  // checks). The handler must not block: no database, no locks held for long, no I/O.
  Router& route_inline(std::string method, std::string path, Handler handler);

  // A Handler that dispatches to the routes (inline ones included): an unknown path answers
  // 404; a known path with another method answers 405 with an Allow header listing the methods
  // it has. The result holds a copy of the table, so later route() calls do not change it.
  Handler handler() const;

  // Answers the inline routes only; nullopt for anything else (which then goes to handler()).
  InlineHandler inline_handler() const;

  // handler() and inline_handler() together.
  Endpoint endpoint() const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
    bool is_inline = false;
  };
  std::vector<Route> routes_;
};

}  // namespace qblink::http

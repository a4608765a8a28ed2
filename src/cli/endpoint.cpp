#include "cli/endpoint.h"

#include "http/router.h"
#include "soap/adapter.h"

namespace qblink::cli {
namespace {

http::Response reply(unsigned status, std::string content_type, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace

http::Handler make_endpoint(sync::Service& service, std::size_t body_limit) {
  http::Router router;
  router.route("POST", "/qbwc", [&service, body_limit](const http::Request& rq) {
    auto r = soap::handle(service, rq.body, body_limit);
    return reply(r.http_status, r.content_type, std::move(r.body));
  });
  router.route("GET", "/qbwc", [](const http::Request&) {
    return reply(200, "text/plain; charset=utf-8",
                 "qblink QuickBooks Web Connector endpoint: POST SOAP here.\n");
  });
  router.route("GET", "/health", [](const http::Request&) {
    return reply(200, "text/plain; charset=utf-8", "ok\n");
  });
  router.route("GET", "/support", [](const http::Request&) {
    return reply(200, "text/html; charset=utf-8",
                 "<!doctype html><title>qblink</title><h1>qblink</h1><p>This server links your "
                 "app's customers and suppliers to QuickBooks Desktop through the Web Connector. "
                 "Ask your administrator for the sync log: <code>qblink log USER</code>.</p>\n");
  });
  return router.handler();
}

}  // namespace qblink::cli

#pragma once
// Plain request/response values: the only thing the HTTP layer hands to the rest of qblink,
// so no other layer includes Beast.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qblink::http {

struct Request {
  std::string method;       // "GET", "POST", ...
  std::string target;       // "/qbwc"
  std::string soap_action;  // SOAPAction header with its surrounding quotes removed
  std::string content_type;
  std::string body;
  std::string remote;     // peer address and port, for logs
  std::string client_ip;  // peer address alone: the key of per-client limits and throttles
  // Every header field as received (names as sent; compare them case-insensitively).
  std::vector<std::pair<std::string, std::string>> headers;

  // The first field named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < k.size() && same; ++i) same = (k[i] | 0x20) == (name[i] | 0x20);
      if (same) return v;
    }
    return {};
  }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/xml; charset=utf-8";
  std::string body;
  // Extra header fields. From a handler: sent as given (e.g. Allow on a 405), except Content-Type,
  // Content-Length, Connection and Server, which the server sets itself. From Client: every field
  // the server sent.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called on a worker thread (never an I/O thread); may block on the database.
using Handler = std::function<Response(const Request&)>;

// Called on an I/O thread before the request goes to the worker pool: answers the routes that
// must not wait behind busy workers (health checks). It must never block; nullopt = not ours.
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

// Called on a worker thread with the request head (body empty) and the first bytes of a large
// body, before the rest is read. A Response refuses the request: it is sent and the connection
// closes without reading the rest. nullopt lets the body be read as usual.
using BodyPrefixCheck =
    std::function<std::optional<Response>(const Request& head, std::string_view prefix)>;

// Everything the server calls. Only `handler` is required.
struct Endpoint {
  Handler handler;
  InlineHandler inline_handler;
  BodyPrefixCheck body_prefix_check;
};

}  // namespace qblink::http

#pragma once
// The browser console (issue 11): static HTML, CSS and JavaScript compiled into the binary and
// served under /console. The page signs in with POST /api/v1/session and then calls only
// /api/v1, so the JSON API stays the one way in; this layer serves files and nothing else.
#include <string_view>
#include <vector>

#include "http/message.h"

namespace qblink::http {
class Router;
}

namespace qblink::console {

// The Content-Security-Policy every console response carries: nothing inline, nothing from
// another origin.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'";

struct File {
  std::string_view path;  // "/console", "/console/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// Every file the console serves, the page itself first.
const std::vector<File>& files();

// The response for one file: its body, type, the CSP and the other hardening headers.
http::Response serve(const File& file);

// Registers GET /console, /console/ and each asset on the router.
void add_routes(http::Router& router);

}  // namespace qblink::console

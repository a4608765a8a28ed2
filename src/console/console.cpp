#include "console/console.h"

#include <string>

#include "http/router.h"
#include "qblink/console_files.h"

namespace qblink::console {

const std::vector<File>& files() {
  static const std::vector<File> list = {
      {"/console", "text/html; charset=utf-8", kIndexHtml},
      {"/console/app.css", "text/css; charset=utf-8", kAppCss},
      {"/console/app.js", "text/javascript; charset=utf-8", kAppJs},
  };
  return list;
}

http::Response serve(const File& file) {
  http::Response r;
  r.status = 200;
  r.content_type = std::string(file.content_type);
  r.body = std::string(file.body);
  r.headers = {{"Content-Security-Policy", std::string(kContentSecurityPolicy)},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cache-Control", "no-cache"}};
  return r;
}

void add_routes(http::Router& router) {
  for (const auto& f : files()) {
    router.route("GET", std::string(f.path), [f](const http::Request&) { return serve(f); });
    if (f.path == "/console")
      router.route("GET", "/console/", [f](const http::Request&) { return serve(f); });
  }
}

}  // namespace qblink::console

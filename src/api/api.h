#pragma once
// The app's way in (issue 10): JSON over HTTP under /api/v1, beside /qbwc. Every rule is
// admin::Service's; this layer only authenticates, parses, validates the shape of the JSON and
// answers problem+json (RFC 9457). The routes are described by docs/openapi.json, served at
// GET /api/v1/openapi.json.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "store/store.h"

namespace qblink::admin {
class Service;
}
namespace qblink::http {
class Router;
}

namespace qblink::api {

inline constexpr std::string_view kProblemBase = "https://qblink.dev/problems/";

struct Options {
  std::size_t body_limit = std::size_t{64} << 20;  // larger bodies: 413 problem
  int max_batch = 10'000;                          // accounts per upsert call
  int failed_auth_limit = 10;                      // per client address and window, then 429
  std::int64_t failed_auth_window = 15 * 60;       // seconds
  int default_schedule_minutes = 60;               // for "stale" when the schedule is unknown
  std::function<std::int64_t()> clock;             // unix seconds; empty = system clock
  // Console sessions (POST /api/v1/session): idle and absolute lifetimes, in seconds.
  std::int64_t session_idle = 30 * 60;
  std::int64_t session_max = 12 * 60 * 60;
  // The session cookie's Secure attribute. nullopt: Secure unless the sign-in request's Origin
  // is plain http:// (loopback, or a plain-HTTP listener the operator allowed).
  std::optional<bool> secure_cookie;
};

// The console's session cookie and the header that must carry its CSRF token on every change.
inline constexpr std::string_view kSessionCookie = "qblink_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
// An admin credential (admin token or admin console session) names the tenant whose data it
// reads in this header; tenant paths answer it read-only (GET and HEAD). A tenant's own
// credential may send only its own name here.
inline constexpr std::string_view kTenantHeader = "X-Qblink-Tenant";

// An API request as the dispatcher sees it: the Authorization header travels beside the
// http::Request until that struct carries header fields of its own.
struct Call {
  std::string method;
  std::string target;  // path and query
  std::string content_type;
  std::string body;
  std::string remote;
  std::string authorization;  // the Authorization header field's value, "" when absent
  std::string cookie;         // the Cookie header field's value (console sessions)
  std::string csrf;           // the X-CSRF-Token header field's value
  std::string origin;         // the Origin header field's value
  std::string tenant;         // the X-Qblink-Tenant header field's value (admin reads)
};

class Api {
 public:
  Api(admin::Service& service, store::Store& store, Options options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request under /api/v1 (404 problem for unknown paths, 405 for other methods).
  http::Response handle(const Call& call);
  // Every (method, path) this API answers, in registration order.
  static const std::vector<std::pair<std::string, std::string>>& routes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Registers every route of routes() on the router. The Api is shared by the handlers and lives
// as long as the router's handlers do. The bearer token is read from the http::Request's header
// fields when it has them (a `headers` list or an `authorization` field).
std::shared_ptr<Api> add_routes(http::Router& router, admin::Service& service, store::Store& store,
                                const Options& options = {});

// A console session is a credential beside bearer tokens: the session cookie names it, and every
// method but GET and HEAD must also carry its CSRF token in X-CSRF-Token. A bearer token, when
// sent, wins. A tenant signs in with its user name and password and acts for that tenant; an
// installation admin signs in with an admin token and can do exactly what that token can (the
// session ends when the token is revoked). Sessions live in memory: a restart signs everyone out.

// The http::Request -> Call adapter add_routes uses.
Call to_call(const http::Request& request);

// The OpenAPI 3.1 document (docs/openapi.json, compiled in).
std::string_view openapi_document();

// --- tokens (also used by `qblink token`) ---
struct NewToken {
  std::int64_t id = 0;
  std::string token;  // "qbl_" + 64 hex digits: shown once, never stored
};
// SHA-256 of the token, hex: what the store keeps.
std::string hash_token(std::string_view token);
// `user` empty = an installation admin token. Throws std::invalid_argument for a bad or
// duplicate name or an unknown user.
NewToken create_token(store::Store& store, const std::optional<std::string>& user,
                      const std::string& name, std::int64_t now);
std::vector<store::ApiToken> list_tokens(store::Store& store,
                                         const std::optional<std::string>& user);
// True when an Authorization field value ("Bearer <token>") carries a live installation admin
// token (GET /metrics from a non-loopback address).
bool is_admin_bearer(store::Store& store, std::string_view authorization);
// By name (a live token's) or numeric id. Throws std::invalid_argument when none matches.
store::ApiToken revoke_token(store::Store& store, const std::optional<std::string>& user,
                             const std::string& name_or_id);

}  // namespace qblink::api

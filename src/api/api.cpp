// The /api/v1 dispatcher: authentication, query and body shape, problem+json; the rules are
// admin::Service's.
#include "api/api.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <tuple>

#include "admin/service.h"
#include "admin/status.h"
#include "api/present.h"
#include "api/qwc.h"
#include "http/router.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/database.h"  // store::Error
#include "store/guid.h"
#include "sync/auth.h"

namespace qblink::api {
namespace {

using json = nlohmann::json;
using reconcile::AccountKind;
using reconcile::QbList;

// ---------------------------------------------------------------- problems (RFC 9457)

struct Problem {
  unsigned status = 400;
  std::string type, title, detail;
  json errors;  // per-row errors of a batch, or null
  std::vector<std::pair<std::string, std::string>> headers;
};

[[noreturn]] void fail(unsigned status, std::string type, std::string title, std::string detail,
                       json errors = nullptr) {
  throw Problem{status, std::move(type), std::move(title), std::move(detail), std::move(errors),
                {}};
}
[[noreturn]] void invalid(const std::string& detail, json errors = nullptr) {
  fail(422, "validation", "The request is not valid", detail, std::move(errors));
}
[[noreturn]] void bad_request(const std::string& detail) {
  fail(400, "bad-request", "The request cannot be read", detail);
}
[[noreturn]] void not_found(const std::string& detail) {
  fail(404, "not-found", "Not found", detail);
}

http::Response problem_response(const Problem& p) {
  json body = {{"type", std::string(kProblemBase) + p.type},
               {"title", p.title},
               {"status", p.status},
               {"detail", p.detail}};
  if (!p.errors.is_null()) body["errors"] = p.errors;
  http::Response r;
  r.status = p.status;
  r.content_type = "application/problem+json";
  r.body = dump(body);
  r.headers = p.headers;
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// An answer whose JSON text is written already (JsonWriter).
http::Response text_response(std::string body, unsigned status = 200) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response json_response(const json& body, unsigned status = 200) {
  return text_response(dump(body), status);
}

json row_errors(const std::vector<admin::RowError>& rows) {
  json out = json::array();
  for (const auto& r : rows)
    out.push_back({{"row", r.row}, {"account_id", r.account_id}, {"message", r.message}});
  return out;
}

// Runs a service call; its errors become problems.
template <typename F>
auto service_call(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const admin::BatchError& e) {
    invalid(e.what(), row_errors(e.rows));
  } catch (const admin::Error& e) {
    switch (e.kind) {
      case admin::ErrorKind::NotFound:
        not_found(e.what());
      case admin::ErrorKind::Conflict:
        fail(409, "conflict", "The request conflicts with the current state", e.what());
      case admin::ErrorKind::Invalid:
        break;
    }
    invalid(e.what());
  }
}

// ---------------------------------------------------------------- query strings

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) bad_request("the query string has a bad %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class Query {
 public:
  Query(std::string_view query, std::initializer_list<std::string_view> allowed) {
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto part = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (part.empty()) continue;
      const auto eq = part.find('=');
      auto key = percent_decode(part.substr(0, eq));
      auto value =
          eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
        bad_request(
            "unknown query parameter '" + key + "'" +
            (known.empty() ? std::string(" (this path takes none)") : " (known: " + known + ")"));
      }
      if (!params_.emplace(key, std::move(value)).second)
        bad_request("query parameter '" + key + "' is given twice");
    }
  }
  std::optional<std::string> get(const std::string& key) const {
    auto it = params_.find(key);
    if (it == params_.end()) return std::nullopt;
    return it->second;
  }
  std::string require(const std::string& key) const {
    auto v = get(key);
    if (!v || v->empty()) bad_request("query parameter '" + key + "' is required");
    return *v;
  }
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min,
                                      std::int64_t max) const {
    auto v = get(key);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    std::size_t used = 0;
    try {
      n = std::stoll(*v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (v->empty() || used != v->size() || n < min || n > max)
      bad_request(
          fmt::format("query parameter '{}' must be a whole number from {} to {}", key, min, max));
    return n;
  }
  std::optional<bool> boolean(const std::string& key) const {
    auto v = get(key);
    if (!v) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    bad_request("query parameter '" + key + "' must be true or false");
  }

 private:
  std::map<std::string, std::string> params_;
};

// ---------------------------------------------------------------- cursors (opaque)

std::string encode_cursor(char tag, std::int64_t value) {
  const std::string raw = fmt::format("v1:{}:{}", tag, value);
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::int64_t decode_cursor(char tag, const std::string& cursor) {
  unsigned char raw[64];
  std::size_t len = 0;
  if (cursor.size() > 80 ||
      sodium_base642bin(raw, sizeof raw, cursor.c_str(), cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    bad_request("the cursor is not one this API gave out");
  const std::string text(reinterpret_cast<const char*>(raw), len);
  const std::string prefix = fmt::format("v1:{}:", tag);
  if (text.rfind(prefix, 0) != 0) bad_request("the cursor is not one this API gave out");
  const auto digits = text.substr(prefix.size());
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    bad_request("the cursor is not one this API gave out");
  return std::stoll(digits);
}

// ---------------------------------------------------------------- JSON bodies

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

json parse_body(const Call& call) {
  const auto ct = call.content_type.substr(0, call.content_type.find(';'));
  if (!(iequals_prefix(ct, "application/json") && ct.size() == 16))
    fail(415, "unsupported-media-type", "The body must be JSON",
         "send the body as Content-Type: application/json");
  json body;
  try {
    body = json::parse(call.body);
  } catch (const json::parse_error& e) {
    fail(400, "malformed-json", "The body is not valid JSON",
         fmt::format("the body is not valid JSON at byte {}", e.byte));
  }
  if (!body.is_object()) invalid("the body must be a JSON object");
  return body;
}

std::string type_name(const json& j) {
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return "null";
}

// Why an object has fields this API does not know, or "".
std::string unknown_fields(const json& obj, std::initializer_list<std::string_view> allowed) {
  std::string names;
  for (const auto& [key, value] : obj.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      names += (names.empty() ? "'" : ", '") + key + "'";
  return names.empty() ? std::string() : "unknown field " + names;
}

void check_fields(const json& obj, std::initializer_list<std::string_view> allowed,
                  const std::string& where = "the body") {
  if (auto why = unknown_fields(obj, allowed); !why.empty()) invalid(where + " has an " + why);
}

std::optional<std::string> opt_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_string())
    invalid(fmt::format("field '{}' must be a string, not {}", key, type_name(*it)));
  return it->get<std::string>();
}
std::string req_string(const json& obj, const char* key) {
  auto v = opt_string(obj, key);
  if (!v) invalid(fmt::format("field '{}' is required", key));
  return *v;
}
bool opt_bool(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean())
    invalid(fmt::format("field '{}' must be true or false, not {}", key, type_name(*it)));
  return it->get<bool>();
}

AccountKind parse_kind(const std::string& text) {
  if (text == "customer") return AccountKind::Customer;
  if (text == "supplier") return AccountKind::Supplier;
  invalid("kind must be 'customer' or 'supplier', not '" + text + "'");
}
std::optional<AccountKind> query_kind(const Query& q) {
  auto k = q.get("kind");
  if (!k) return std::nullopt;
  if (*k == "customer") return AccountKind::Customer;
  if (*k == "supplier") return AccountKind::Supplier;
  bad_request("query parameter 'kind' must be customer or supplier");
}

// ---------------------------------------------------------------- JSON out

std::string account_text(const store::AccountRow& a, bool with_candidates = false) {
  std::string out;
  JsonWriter w(out);
  write_account(w, a, with_candidates);
  return out;
}

// A page of accounts: {"items": [...], then whatever `tail` writes}.
template <typename Tail>
http::Response accounts_page(const std::vector<store::AccountRow>& rows, bool with_candidates,
                             Tail&& tail) {
  std::string out;
  out.reserve(64 + rows.size() * 512);
  JsonWriter w(out);
  w.begin_object().key("items").begin_array();
  for (const auto& a : rows) write_account(w, a, with_candidates);
  w.end_array();
  tail(w);
  w.end_object();
  return text_response(std::move(out));
}

constexpr std::pair<store::AddState, const char*> kAddStates[] = {
    {store::AddState::Proposed, "proposed"}, {store::AddState::Queued, "queued"},
    {store::AddState::Sent, "sent"},         {store::AddState::Confirmed, "confirmed"},
    {store::AddState::InDoubt, "in_doubt"},  {store::AddState::Collided, "collided"},
    {store::AddState::Failed, "failed"},     {store::AddState::Cancelled, "cancelled"},
    {store::AddState::Rejected, "rejected"}};

std::string add_state_name(store::AddState s) {
  for (const auto& [state, name] : kAddStates)
    if (state == s) return name;
  return "unknown";
}

json add_json(const store::OutboxRow& r) {
  return {{"id", r.id.value},
          {"kind", reconcile::to_string(r.kind)},
          {"account_id", r.account_id},
          {"name", r.name},
          {"state", add_state_name(r.state)},
          {"reason", r.reason},
          {"error", r.error},
          {"list_id", r.list_id},
          {"run", r.run_id},
          {"created_at", r.created_at}};
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <typename R>
std::string authorization_of(const R& r) {
  if constexpr (requires { r.authorization; }) {
    return r.authorization;
  } else if constexpr (requires { r.headers; }) {
    for (const auto& [name, value] : r.headers)
      if (lower(std::string(name)) == "authorization") return std::string(value);
    return {};
  } else {
    return {};
  }
}

// Failed token attempts per client address (in memory, like sync::LoginThrottle).
class Throttle {
 public:
  Throttle(int limit, std::int64_t window) : limit_(limit), window_(window) {}
  // Seconds to wait, or 0.
  std::int64_t blocked(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(address);
    if (it == counts_.end()) return 0;
    if (now - it->second.since >= window_) {
      counts_.erase(it);
      return 0;
    }
    return it->second.failures >= limit_ ? window_ - (now - it->second.since) : 0;
  }
  void failed(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    if (counts_.size() > 100'000) {
      for (auto it = counts_.begin(); it != counts_.end();)
        it = now - it->second.since >= window_ ? counts_.erase(it) : std::next(it);
    }
    auto& c = counts_[address];
    if (c.failures == 0 || now - c.since >= window_) c = {0, now};
    ++c.failures;
  }

 private:
  struct Count {
    int failures = 0;
    std::int64_t since = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Count> counts_;
  int limit_;
  std::int64_t window_;
};

// TenantOrAdmin: a tenant token acts for its tenant, an admin token names one (`user`).
enum class Scope { Public, Tenant, Admin, TenantOrAdmin };

// The value of cookie `name` in a Cookie header field, or "".
std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      auto value = part.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
  }
  return {};
}

bool same_secret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A console session: 128 random bits in the cookie, a CSRF token of 128 more for changes.
struct Session {
  std::int64_t tenant_id = 0;  // a tenant's session (admin: 0)
  std::string csrf;
  std::int64_t created = 0;
  std::int64_t last_seen = 0;
  // An installation admin's session: the hash of the admin token it was opened with, checked on
  // every request so that revoking the token ends the session.
  bool admin = false;
  std::string token_hash;
  std::string token_name;
};

}  // namespace

// ---------------------------------------------------------------- the API

struct Api::Impl {
  admin::Service& service;
  store::Store& store;
  Options options;
  Throttle throttle;
  std::mutex sessions_mutex;
  std::map<std::string, Session> sessions;  // by session id

  Impl(admin::Service& s, store::Store& st, Options o)
      : service(s),
        store(st),
        options(std::move(o)),
        throttle(options.failed_auth_limit, options.failed_auth_window) {}

  struct Ctx {
    const Call& call;
    std::string_view query;
    std::optional<store::Tenant> tenant;  // a tenant token's tenant
    const std::string& user() const { return tenant->username; }
  };
  using Fn = http::Response (Impl::*)(Ctx&);
  struct Route {
    const char* method;
    const char* path;
    Scope scope;
    Fn fn;
  };
  static const std::vector<Route>& table();

  std::int64_t now() const { return options.clock ? options.clock() : system_now(); }

  // Who is calling, before the path's scope is checked: a tenant, or the installation admin.
  struct Principal {
    std::optional<store::Tenant> tenant;  // nullopt: the installation admin
    bool session = false;                 // a console session, not a bearer token
  };

  // Who is calling, for a path of `scope`: throws a problem for anything but a valid credential
  // allowed there. Returns the tenant whose data the call reads or changes (nullopt on admin
  // paths).
  std::optional<store::Tenant> authenticate(const Call& call, Scope scope) {
    const auto t = now();
    if (auto wait = throttle.blocked(call.remote, t); wait > 0) {
      Problem p{429,
                "too-many-requests",
                "Too many failed attempts",
                "too many requests with a wrong token from this address; try again later",
                nullptr,
                {{"Retry-After", std::to_string(wait)}}};
      throw p;
    }
    return authorize(call, scope, identify(call, t));
  }

  Principal identify(const Call& call, std::int64_t t) {
    auto unauthorized = [](const std::string& detail) {
      Problem p{401,    "unauthorized", "Authentication required",
                detail, nullptr,        {{"WWW-Authenticate", "Bearer realm=\"qblink\""}}};
      throw p;
    };
    const auto& h = call.authorization;
    if (h.empty()) {
      if (auto sid = cookie_value(call.cookie, kSessionCookie); !sid.empty())
        return session_principal(call, sid, t);
      unauthorized("send an API token as Authorization: Bearer <token>");
    }
    if (!iequals_prefix(h, "bearer ")) unauthorized("the Authorization scheme must be Bearer");
    auto token = h.substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    auto tx = store.begin(false);
    auto row = tx->api_token_by_hash(hash_token(token));
    std::optional<store::Tenant> tenant;
    if (row && !row->revoked && row->tenant_id) tenant = tx->tenant(*row->tenant_id);
    tx.reset();
    if (!row || row->revoked || (row->tenant_id && !tenant)) {
      throttle.failed(call.remote, t);
      obs::metrics().failed_logins.add("api_token");
      obs::event(spdlog::level::warn, "login refused",
                 {{"way", "api_token"},
                  {"client_ip", call.remote},
                  {"path", call.target.substr(0, call.target.find('?'))}});
      unauthorized("the token is not valid (unknown, revoked, or its tenant was removed)");
    }
    if (t - row->last_used_at >= 60) {
      auto w = store.begin(true);
      w->touch_api_token(row->id, t);
      w->commit();
    }
    return {tenant, false};
  }

  // The one place that decides what a credential may do on a path (docs/SECURITY.md):
  // - admin paths: the installation admin only (admin token, or a console session opened with
  //   one);
  // - tenant paths: a tenant's credential for its own data; the installation admin reads (GET,
  //   HEAD) the data of the tenant it names in X-Qblink-Tenant and changes nothing, so that every
  //   change is made with the tenant's own credential;
  // - webhook paths: a tenant's credential for its own webhook, the admin for the one it names.
  std::optional<store::Tenant> authorize(const Call& call, Scope scope, const Principal& p) {
    if (scope == Scope::Admin) {
      if (p.tenant)
        fail(403, "forbidden", "An admin token is required",
             p.session ? "this path manages tenants: a tenant's console session acts for its own "
                         "tenant only"
                       : "this path manages tenants: use a token made with `qblink token create "
                         "--admin`");
      return std::nullopt;
    }
    // Webhook paths: the admin names the tenant in the call itself (`user`).
    if (scope == Scope::TenantOrAdmin && !p.tenant) return std::nullopt;
    if (p.tenant) {
      if (!call.tenant.empty() && call.tenant != p.tenant->username)
        fail(403, "forbidden", "Another tenant's data",
             "a tenant's credential reads and changes its own tenant's data only");
      return p.tenant;
    }
    if (call.tenant.empty())
      fail(403, "forbidden", "A tenant token is required",
           "this path reads or changes one tenant's data: use a token made with `qblink token "
           "create USER` (an admin token reads a tenant's data when it names the tenant in " +
               std::string(kTenantHeader) + ")");
    if (changes(call))
      fail(403, "read-only", "An admin reads a tenant's data but does not change it",
           "changes to a tenant's accounts, review and adds are made with the tenant's own "
           "credential (its console sign-in or a tenant token)");
    auto tx = store.begin(false);
    auto tenant = tx->tenant_by_name(call.tenant);
    if (!tenant) not_found("no user '" + call.tenant + "'");
    return tenant;
  }

  // ------------------------------------------------------------ console sessions

  bool expired(const Session& s, std::int64_t t) const {
    return t - s.last_seen >= options.session_idle || t - s.created >= options.session_max;
  }

  // The session named by the cookie, refreshed; nullopt when unknown or expired.
  std::optional<Session> find_session(const std::string& sid, std::int64_t t) {
    std::lock_guard lock(sessions_mutex);
    auto it = sessions.find(sid);
    if (it == sessions.end()) return std::nullopt;
    if (expired(it->second, t)) {
      sessions.erase(it);
      return std::nullopt;
    }
    it->second.last_seen = t;
    return it->second;
  }

  void drop_session(const std::string& sid) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(sid);
  }

  [[noreturn]] static void session_required(const std::string& detail) {
    Problem p{401, "unauthorized", "Authentication required", detail, nullptr, {}};
    throw p;
  }

  static bool changes(const Call& call) { return call.method != "GET" && call.method != "HEAD"; }

  // A change made with a session cookie must carry the session's CSRF token.
  static void check_csrf(const Call& call, const Session& s) {
    if (!same_secret(call.csrf, s.csrf))
      fail(403, "csrf", "The CSRF token is missing or wrong",
           "a change made with a console session must carry the session's token in " +
               std::string(kCsrfHeader));
  }

  // An admin session's token, still live; nullopt when revoked or gone.
  std::optional<store::ApiToken> live_admin_token(const Session& s) {
    auto tx = store.begin(false);
    auto row = tx->api_token_by_hash(s.token_hash);
    if (!row || row->revoked || row->tenant_id) return std::nullopt;
    return row;
  }

  Principal session_principal(const Call& call, const std::string& sid, std::int64_t t) {
    const auto s = find_session(sid, t);
    if (!s) session_required("the console session has expired or is not valid; sign in again");
    if (changes(call)) check_csrf(call, *s);
    if (s->admin) {
      if (!live_admin_token(*s)) {
        drop_session(sid);
        session_required("the admin token of this session was revoked; sign in again");
      }
      return {std::nullopt, true};
    }
    auto tx = store.begin(false);
    auto tenant = tx->tenant(s->tenant_id);
    tx.reset();
    if (!tenant) {
      drop_session(sid);
      session_required("the session's tenant was removed");
    }
    return {tenant, true};
  }

  std::string session_cookie(const Call& call, const std::string& value,
                             std::int64_t max_age) const {
    const bool secure = options.secure_cookie.value_or(!iequals_prefix(call.origin, "http://"));
    return fmt::format("{}={}; Path=/api/v1; Max-Age={}; HttpOnly; SameSite=Strict{}",
                       kSessionCookie, value, max_age, secure ? "; Secure" : "");
  }

  json session_json(const std::string& user, const Session& s) const {
    return {{"user", user},
            {"admin", s.admin},
            {"token_name", s.admin ? json(s.token_name) : json(nullptr)},
            {"csrf_token", s.csrf},
            {"csrf_header", std::string(kCsrfHeader)},
            {"idle_timeout", options.session_idle}};
  }

  std::string open_session(const Session& s, std::int64_t t) {
    auto sid = sync::new_ticket();
    std::lock_guard lock(sessions_mutex);
    std::erase_if(sessions, [&](const auto& kv) { return expired(kv.second, t); });
    sessions.emplace(sid, s);
    return sid;
  }

  // Sign-in with an installation admin token: the installation view. Failures count towards
  // the same per-address throttle as passwords and bearer tokens.
  http::Response sign_in_admin(Ctx& c, const std::string& token, std::int64_t t) {
    auto tx = store.begin(false);
    auto row = token.size() <= 200 ? tx->api_token_by_hash(hash_token(token)) : std::nullopt;
    tx.reset();
    if (!row || row->revoked || row->tenant_id) {
      throttle.failed(c.call.remote, t);
      session_required(
          "the token is not a live admin token (made with `qblink token create --admin`)");
    }
    Session s;
    s.csrf = sync::new_ticket();
    s.created = s.last_seen = t;
    s.admin = true;
    s.token_hash = row->hash;
    s.token_name = row->name;
    const auto sid = open_session(s, t);
    auto r = json_response(session_json("", s), 201);
    r.headers.emplace_back("Set-Cookie", session_cookie(c.call, sid, options.session_max));
    return r;
  }

  http::Response sign_in(Ctx& c) {
    Query q(c.query, {});
    const auto t = now();
    if (auto wait = throttle.blocked(c.call.remote, t); wait > 0) {
      Problem p{429,
                "too-many-requests",
                "Too many failed attempts",
                "too many failed sign-ins from this address; try again later",
                nullptr,
                {{"Retry-After", std::to_string(wait)}}};
      throw p;
    }
    const auto body = parse_body(c.call);
    check_fields(body, {"user", "password", "token"});
    if (auto token = opt_string(body, "token")) {
      if (body.contains("user") || body.contains("password"))
        invalid("give either 'token' or 'user' and 'password'");
      return sign_in_admin(c, *token, t);
    }
    const auto user = req_string(body, "user");
    const auto password = req_string(body, "password");
    auto tx = store.begin(false);
    auto tenant = user.size() <= 100 ? tx->tenant_by_name(user) : std::nullopt;
    tx.reset();
    bool ok = false;
    if (tenant && password.size() <= 1024)
      ok = sync::verify_password(tenant->password_hash, password);
    else
      sync::burn_verify_time(password.substr(0, 1024));
    if (!ok) {
      throttle.failed(c.call.remote, t);
      obs::metrics().failed_logins.add("console");
      obs::event(spdlog::level::warn, "login refused",
                 {{"way", "console"},
                  {"user", user.substr(0, 100)},
                  {"client_ip", c.call.remote},
                  {"reason", tenant ? "wrong password" : "unknown user"}});
      session_required("wrong user name or password");
    }
    obs::set_request_subject(tenant->username);
    Session s;
    s.tenant_id = tenant->id;
    s.csrf = sync::new_ticket();
    s.created = s.last_seen = t;
    const auto sid = open_session(s, t);
    auto r = json_response(session_json(tenant->username, s), 201);
    r.headers.emplace_back("Set-Cookie", session_cookie(c.call, sid, options.session_max));
    return r;
  }

  http::Response current_session(Ctx& c) {
    Query q(c.query, {});
    const auto sid = cookie_value(c.call.cookie, kSessionCookie);
    const auto s = sid.empty() ? std::nullopt : find_session(sid, now());
    if (!s) session_required("no console session; sign in with POST /api/v1/session");
    if (s->admin) {
      if (!live_admin_token(*s)) {
        drop_session(sid);
        session_required("the admin token of this session was revoked; sign in again");
      }
      return json_response(session_json("", *s));
    }
    auto tx = store.begin(false);
    auto tenant = tx->tenant(s->tenant_id);
    tx.reset();
    if (!tenant) {
      drop_session(sid);
      session_required("the session's tenant was removed");
    }
    return json_response(session_json(tenant->username, *s));
  }

  http::Response sign_out(Ctx& c) {
    Query q(c.query, {});
    const auto sid = cookie_value(c.call.cookie, kSessionCookie);
    const auto s = sid.empty() ? std::nullopt : find_session(sid, now());
    if (!s) session_required("no console session to end");
    check_csrf(c.call, *s);
    drop_session(sid);
    auto r = json_response({{"signed_out", true}});
    r.headers.emplace_back("Set-Cookie", session_cookie(c.call, "", 0));
    return r;
  }

  http::Response handle(const Call& call) {
    try {
      const auto q = call.target.find('?');
      const std::string path = call.target.substr(0, q);
      const std::string_view query =
          q == std::string::npos ? std::string_view() : std::string_view(call.target).substr(q + 1);
      const Route* found = nullptr;
      std::string allow;
      for (const auto& r : table()) {
        if (path != r.path) continue;
        if (call.method == r.method) found = &r;
        allow += (allow.empty() ? "" : ", ") + std::string(r.method);
      }
      if (allow.empty()) not_found("no API path " + path);
      if (!found) {
        Problem p{405,
                  "method-not-allowed",
                  "Method not allowed",
                  "method " + call.method + " is not allowed on " + path + "; allowed: " + allow,
                  nullptr,
                  {{"Allow", allow}}};
        throw p;
      }
      if (call.body.size() > options.body_limit)
        fail(413, "payload-too-large", "The body is too large",
             fmt::format("the body has {} bytes; the API accepts at most {}", call.body.size(),
                         options.body_limit));
      Ctx ctx{call, query, std::nullopt};
      if (found->scope != Scope::Public) {
        ctx.tenant = authenticate(call, found->scope);
        obs::set_request_subject(ctx.tenant ? ctx.tenant->username : "admin");
      }
      return (this->*(found->fn))(ctx);
    } catch (const Problem& p) {
      return problem_response(p);
    } catch (const std::exception& e) {
      if (dynamic_cast<const store::Error*>(&e)) obs::metrics().database_errors.add();
      // Never echo the request (it may carry a token); say only that it failed.
      return problem_response({500,
                               "internal",
                               "Internal error",
                               "the server could not answer this request; nothing was written",
                               nullptr,
                               {}});
    }
  }

  // ------------------------------------------------------------ public

  http::Response openapi(Ctx& c) {
    Query q(c.query, {});
    http::Response r;
    r.content_type = "application/json";
    r.body = std::string(openapi_document());
    return r;
  }

  // ------------------------------------------------------------ accounts

  http::Response upsert_accounts(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"kind", "accounts", "dry_run"});
    const auto kind = parse_kind(req_string(body, "kind"));
    const bool dry_run = opt_bool(body, "dry_run");
    const auto it = body.find("accounts");
    if (it == body.end()) invalid("field 'accounts' is required");
    if (!it->is_array()) invalid("field 'accounts' must be an array, not " + type_name(*it));
    if (it->size() > static_cast<std::size_t>(options.max_batch))
      invalid(fmt::format("at most {} accounts per call, not {}", options.max_batch, it->size()));
    std::vector<store::AccountRow> rows;
    rows.reserve(it->size());
    json errors = json::array();
    static constexpr const char* kFields[] = {
        "account_id", "name",  "accounting_name", "company_name", "first_name",
        "last_name",  "phone", "email",           "addr1",        "addr2",
        "city",       "state", "postal_code",     "country"};
    std::size_t n = 0;
    for (const auto& row : *it) {
      ++n;
      if (!row.is_object()) {
        errors.push_back({{"row", n}, {"account_id", ""}, {"message", "a row must be an object"}});
        continue;
      }
      store::AccountRow a;
      a.kind = kind;
      std::string* targets[] = {
          &a.account_id, &a.name,  &a.accounting_name, &a.company_name, &a.first_name,
          &a.last_name,  &a.phone, &a.email,           &a.addr1,        &a.addr2,
          &a.city,       &a.state, &a.postal_code,     &a.country};
      if (auto id = row.find("account_id"); id != row.end() && id->is_string())
        a.account_id = id->get<std::string>();
      std::string why;
      for (const auto& [key, value] : row.items()) {
        const auto* f = std::find_if(std::begin(kFields), std::end(kFields),
                                     [&key = key](const char* k) { return key == k; });
        if (f == std::end(kFields)) {
          why = "unknown field '" + key + "'";
          break;
        }
        if (!value.is_string()) {
          why = "field '" + key + "' must be a string, not " + type_name(value);
          break;
        }
        *targets[f - std::begin(kFields)] = value.get<std::string>();
      }
      if (!why.empty())
        errors.push_back({{"row", n}, {"account_id", a.account_id}, {"message", why}});
      rows.push_back(std::move(a));
    }
    if (!errors.empty()) invalid("some rows are not valid; nothing was written", errors);
    const auto counts =
        service_call([&] { return service.upsert_accounts(c.user(), kind, rows, dry_run); });
    return json_response({{"added", counts.added},
                          {"updated", counts.updated},
                          {"unchanged", counts.unchanged},
                          {"dry_run", dry_run}});
  }

  http::Response list_accounts(Ctx& c) {
    Query q(c.query, {"kind", "status", "changed_since", "cursor", "limit"});
    const auto kind = query_kind(q);
    const auto status = q.get("status").value_or("");
    static const std::set<std::string> kStatuses = {"",        "linked", "new",
                                                    "pending", "review", "error"};
    if (!kStatuses.contains(status))
      bad_request("query parameter 'status' must be linked, new, pending, review or error");
    const auto limit = q.integer("limit", 1, 5000).value_or(500);
    std::int64_t after = q.integer("changed_since", 0, INT64_MAX / 2).value_or(0);
    if (auto cur = q.get("cursor")) {
      if (q.get("changed_since")) bad_request("give either 'changed_since' or 'cursor', not both");
      after = decode_cursor('a', *cur);
    }
    auto tx = store.begin(false);
    auto rows =
        tx->accounts_changed(c.tenant->id, after, kind, status, static_cast<int>(limit) + 1);
    tx.reset();
    const bool more = rows.size() > static_cast<std::size_t>(limit);
    if (more) rows.pop_back();
    const std::int64_t last = rows.empty() ? after : rows.back().changed_at;
    return accounts_page(rows, false, [&](JsonWriter& w) {
      w.key("next_cursor");
      more ? w.value(encode_cursor('a', last)) : w.null();
      w.field("change", last);
    });
  }

  store::AccountRow find_account(Ctx& c, AccountKind kind, const std::string& id) {
    auto tx = store.begin(false);
    auto a = tx->account(c.tenant->id, kind, id);
    if (!a) not_found("no " + std::string(reconcile::to_string(kind)) + " '" + id + "'");
    return *a;
  }

  http::Response get_account(Ctx& c) {
    Query q(c.query, {"kind", "account_id"});
    const auto kind = parse_kind(q.require("kind"));
    return text_response(account_text(find_account(c, kind, q.require("account_id")), true));
  }

  http::Response delete_account(Ctx& c) {
    Query q(c.query, {"kind", "account_id"});
    const auto kind = parse_kind(q.require("kind"));
    const auto id = q.require("account_id");
    const auto a = service_call([&] { return service.unlink(c.user(), kind, id); });
    return text_response(account_text(a));
  }

  http::Response put_link(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"kind", "account_id", "accounting_name"});
    const auto kind = parse_kind(req_string(body, "kind"));
    const auto id = req_string(body, "account_id");
    const auto name = req_string(body, "accounting_name");
    const auto a =
        service_call([&] { return service.set_accounting_name(c.user(), kind, id, name); });
    return text_response(account_text(a));
  }

  // ------------------------------------------------------------ QuickBooks snapshot

  http::Response quickbooks(Ctx& c) {
    Query q(c.query, {"kind", "status", "unlinked", "cursor", "limit"});
    std::optional<QbList> list;
    if (auto k = q.get("kind")) {
      if (*k == "customer")
        list = QbList::Customer;
      else if (*k == "vendor")
        list = QbList::Vendor;
      else
        bad_request("query parameter 'kind' must be customer or vendor");
    }
    const auto status = q.get("status").value_or("");
    if (status != "" && status != "active" && status != "inactive")
      bad_request("query parameter 'status' must be active or inactive");
    const bool unlinked = q.boolean("unlinked").value_or(false);
    const auto limit = q.integer("limit", 1, 5000).value_or(500);
    const std::int64_t offset = q.get("cursor") ? decode_cursor('q', *q.get("cursor")) : 0;

    auto tx = store.begin(false);
    auto entries = tx->entries(c.tenant->id);
    std::map<std::pair<int, std::string>, std::pair<AccountKind, std::string>> linked;
    for (auto kind : {AccountKind::Customer, AccountKind::Supplier})
      for (const auto& a : tx->accounts_changed(c.tenant->id, 0, kind, "linked", 1 << 30))
        linked.emplace(std::pair{static_cast<int>(reconcile::list_for(kind)), a.list_id},
                       std::pair{kind, a.account_id});
    tx.reset();
    std::erase_if(entries, [&](const store::QbRow& e) {
      if (e.list != QbList::Customer && e.list != QbList::Vendor) return true;
      if (list && e.list != *list) return true;
      if (status == "active" && !e.is_active) return true;
      if (status == "inactive" && e.is_active) return true;
      if (unlinked && linked.contains({static_cast<int>(e.list), e.list_id})) return true;
      return false;
    });
    std::sort(entries.begin(), entries.end(), [](const store::QbRow& a, const store::QbRow& b) {
      return std::tie(a.list, a.full_name, a.list_id) < std::tie(b.list, b.full_name, b.list_id);
    });
    json items = json::array();
    const auto begin = std::min<std::size_t>(static_cast<std::size_t>(offset), entries.size());
    const auto end = std::min<std::size_t>(begin + static_cast<std::size_t>(limit), entries.size());
    for (std::size_t i = begin; i < end; ++i) {
      const auto& e = entries[i];
      json link = nullptr;
      if (auto it = linked.find({static_cast<int>(e.list), e.list_id}); it != linked.end())
        link = {{"kind", reconcile::to_string(it->second.first)},
                {"account_id", it->second.second}};
      items.push_back({{"kind", reconcile::to_string(e.list)},
                       {"ListID", e.list_id},
                       {"FullName", e.full_name},
                       {"Name", e.name},
                       {"ParentListID", e.parent_list_id},
                       {"IsActive", e.is_active},
                       {"CompanyName", e.company_name},
                       {"FirstName", e.first_name},
                       {"LastName", e.last_name},
                       {"Phone", e.phone},
                       {"AltPhone", e.alt_phone},
                       {"Email", e.email},
                       {"Addr1", e.addr1},
                       {"PostalCode", e.postal_code},
                       {"linked_account", std::move(link)}});
    }
    const bool more = end < entries.size();
    return json_response(
        {{"items", std::move(items)},
         {"next_cursor",
          more ? json(encode_cursor('q', static_cast<std::int64_t>(end))) : json(nullptr)}});
  }

  // ------------------------------------------------------------ review

  http::Response review(Ctx& c) {
    Query q(c.query, {"kind", "cursor", "limit"});
    const auto kind = query_kind(q);
    const auto limit = q.integer("limit", 1, 5000).value_or(500);
    const std::int64_t offset = q.get("cursor") ? decode_cursor('v', *q.get("cursor")) : 0;
    auto queue = service_call([&] { return service.review_queue(c.user()); });
    if (kind)
      std::erase_if(queue, [&](const admin::ReviewItem& i) { return i.account.kind != *kind; });
    const auto begin = std::min<std::size_t>(static_cast<std::size_t>(offset), queue.size());
    const auto end = std::min<std::size_t>(begin + static_cast<std::size_t>(limit), queue.size());
    std::vector<store::AccountRow> rows;
    for (std::size_t i = begin; i < end; ++i) rows.push_back(std::move(queue[i].account));
    return accounts_page(rows, true, [&](JsonWriter& w) {
      w.key("next_cursor");
      end < queue.size() ? w.value(encode_cursor('v', static_cast<std::int64_t>(end))) : w.null();
    });
  }

  http::Response review_decisions(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"decisions", "accept_all_strong"});
    const bool all_strong = opt_bool(body, "accept_all_strong");
    const auto it = body.find("decisions");
    if (all_strong == (it != body.end()))
      invalid("give either 'decisions' or 'accept_all_strong': true");
    if (all_strong) {
      const auto accepted = service_call([&] { return service.accept_all_strong(c.user()); });
      std::string out;
      JsonWriter w(out);
      w.begin_object().field("applied", accepted.size()).key("accounts").begin_array();
      for (const auto& a : accepted) write_account(w, a);
      w.end_array().end_object();
      return text_response(std::move(out));
    }
    if (!it->is_array()) invalid("field 'decisions' must be an array, not " + type_name(*it));
    if (it->size() > static_cast<std::size_t>(options.max_batch))
      invalid(fmt::format("at most {} decisions per call", options.max_batch));
    std::vector<admin::ReviewDecision> decisions;
    json errors = json::array();
    std::size_t n = 0;
    for (const auto& d : *it) {
      ++n;
      admin::ReviewDecision dec;
      try {
        if (!d.is_object()) invalid("a decision must be an object");
        check_fields(d, {"kind", "account_id", "action", "list_id"}, "the decision");
        dec.account_id = req_string(d, "account_id");
        dec.kind = parse_kind(req_string(d, "kind"));
        const auto action = req_string(d, "action");
        if (action == "accept")
          dec.action = admin::ReviewAction::Accept;
        else if (action == "reject")
          dec.action = admin::ReviewAction::Reject;
        else
          invalid("action must be 'accept' or 'reject', not '" + action + "'");
        dec.list_id = opt_string(d, "list_id").value_or("");
        if (dec.action == admin::ReviewAction::Reject && !dec.list_id.empty())
          invalid("list_id goes with accept only");
      } catch (const Problem& p) {
        errors.push_back({{"row", n}, {"account_id", dec.account_id}, {"message", p.detail}});
      }
      decisions.push_back(std::move(dec));
    }
    if (!errors.empty()) invalid("some decisions are not valid; none was applied", errors);
    const auto applied = service_call([&] { return service.apply(c.user(), decisions); });
    return json_response({{"applied", applied}});
  }

  // ------------------------------------------------------------ adds

  http::Response adds(Ctx& c) {
    Query q(c.query, {"kind", "status", "cursor", "limit"});
    const auto kind = query_kind(q);
    const auto status = q.get("status").value_or("proposed");
    std::optional<store::AddState> state;
    for (const auto& [s, name] : kAddStates)
      if (status == name) state = s;
    if (!state)
      bad_request(
          "query parameter 'status' must be one of proposed, queued, sent, confirmed, "
          "in_doubt, collided, failed, cancelled, rejected");
    const auto limit = q.integer("limit", 1, 5000).value_or(500);
    const std::int64_t after = q.get("cursor") ? decode_cursor('d', *q.get("cursor")) : 0;
    auto tx = store.begin(false);
    auto rows = tx->outbox(c.tenant->id, *state, 1 << 30);
    tx.reset();
    json items = json::array();
    std::int64_t last = after;
    bool more = false;
    for (const auto& r : rows) {
      if (r.id.value <= after || (kind && r.kind != *kind)) continue;
      if (items.size() == static_cast<std::size_t>(limit)) {
        more = true;
        break;
      }
      items.push_back(add_json(r));
      last = r.id.value;
    }
    return json_response({{"items", std::move(items)},
                          {"next_cursor", more ? json(encode_cursor('d', last)) : json(nullptr)}});
  }

  http::Response decide_adds(Ctx& c, bool approve) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"ids", "all"});
    const bool all = opt_bool(body, "all");
    const auto it = body.find("ids");
    if (all == (it != body.end())) invalid("give either 'ids' or 'all': true");
    std::vector<store::OutboxId> ids;
    if (!all) {
      if (!it->is_array()) invalid("field 'ids' must be an array, not " + type_name(*it));
      json errors = json::array();
      std::size_t n = 0;
      for (const auto& id : *it) {
        ++n;
        if (!id.is_number_integer() || id.get<std::int64_t>() <= 0)
          errors.push_back({{"row", n},
                            {"account_id", ""},
                            {"message", "an id must be a positive whole number"}});
        else
          ids.push_back(store::OutboxId{id.get<std::int64_t>()});
      }
      if (!errors.empty()) invalid("some ids are not valid; nothing was decided", errors);
      if (ids.empty()) invalid("field 'ids' is empty");
    }
    const auto n = service_call([&] {
      return approve ? service.approve_adds(c.user(), ids, all)
                     : service.reject_adds(c.user(), ids, all);
    });
    return json_response({{approve ? "approved" : "rejected", n}});
  }
  http::Response approve_adds(Ctx& c) { return decide_adds(c, true); }
  http::Response reject_adds(Ctx& c) { return decide_adds(c, false); }

  // ------------------------------------------------------------ runs and events

  http::Response runs(Ctx& c) {
    Query q(c.query, {"status", "cursor", "limit"});
    const auto status = q.get("status").value_or("");
    const auto limit = q.integer("limit", 1, 1000).value_or(100);
    const std::int64_t before = q.get("cursor") ? decode_cursor('r', *q.get("cursor")) : INT64_MAX;
    auto tx = store.begin(false);
    const auto rows = tx->runs(c.tenant->id, 1 << 30);
    tx.reset();
    json items = json::array();
    std::int64_t last = 0;
    bool more = false;
    for (const auto& r : rows) {  // newest first
      if (r.id >= before || (!status.empty() && r.outcome != status)) continue;
      if (items.size() == static_cast<std::size_t>(limit)) {
        more = true;
        break;
      }
      items.push_back(run_json(r));
      last = r.id;
    }
    return json_response({{"items", std::move(items)},
                          {"next_cursor", more ? json(encode_cursor('r', last)) : json(nullptr)}});
  }

  http::Response events(Ctx& c) {
    Query q(c.query, {"run", "level", "kind", "account", "cursor", "limit"});
    const auto run = q.integer("run", 0, INT64_MAX / 2);
    if (!run) bad_request("query parameter 'run' is required (0: decisions outside any run)");
    const auto level = q.get("level").value_or("");
    if (level != "" && level != "info" && level != "warn" && level != "error")
      bad_request("query parameter 'level' must be info, warn or error");
    const auto kind = q.get("kind").value_or("");
    const auto account = q.get("account").value_or("");
    const auto limit = q.integer("limit", 1, 10000).value_or(1000);
    const std::int64_t after = q.get("cursor") ? decode_cursor('e', *q.get("cursor")) : 0;
    auto tx = store.begin(false);
    if (*run != 0) {
      auto r = tx->run(*run);
      if (!r || r->tenant_id != c.tenant->id) not_found(fmt::format("no run {}", *run));
    }
    const auto rows = tx->tenant_events(c.tenant->id, *run);
    tx.reset();
    json items = json::array();
    std::int64_t last = after;
    bool more = false;
    for (const auto& e : rows) {
      if (e.id <= after || (!level.empty() && e.level != level) ||
          (!kind.empty() && e.kind != kind) || (!account.empty() && e.account_id != account))
        continue;
      if (items.size() == static_cast<std::size_t>(limit)) {
        more = true;
        break;
      }
      items.push_back({{"id", e.id},
                       {"run", e.run_id},
                       {"at", e.at},
                       {"level", e.level},
                       {"kind", e.kind},
                       {"account_kind", e.account_kind},
                       {"account_id", e.account_id},
                       {"message", e.message}});
      last = e.id;
    }
    return json_response({{"items", std::move(items)},
                          {"next_cursor", more ? json(encode_cursor('e', last)) : json(nullptr)}});
  }

  // ------------------------------------------------------------ status

  http::Response status(Ctx& c) {
    Query q(c.query, {"schedule_minutes"});
    const auto schedule =
        q.integer("schedule_minutes", 1, 1440).value_or(options.default_schedule_minutes);
    auto tx = store.begin(false);
    return json_response(status_json(*tx, c.tenant->id, schedule));
  }

  // One tenant's status (GET /status, and each row of the admin's GET /tenants/status).
  json status_json(store::Tx& tx, store::TenantId id, std::int64_t schedule) {
    const auto t = tx.tenant(id);
    if (!t) not_found("the tenant is gone");
    const auto health = admin::run_health(tx, id, static_cast<int>(schedule), now());
    json accounts = {{"total", tx.account_count(id)}};
    for (const char* s : {"linked", "new", "pending", "review", "error"})
      accounts[s] = tx.account_count(id, s);
    json waiting = {{"review", tx.account_count(id, "review")},
                    {"approval", tx.count_adds(id, store::AddState::Proposed)},
                    {"in_doubt", tx.count_adds(id, store::AddState::InDoubt)}};
    json company = nullptr;
    if (!t->known_company_name.empty() || !t->known_file_id.empty())
      company = {{"name", t->known_company_name},
                 {"path", t->known_company_path},
                 {"file_id", t->known_file_id}};
    return json({{"user", t->username},
                 {"company", std::move(company)},
                 {"last_run", health.last_run ? run_json(*health.last_run) : json(nullptr)},
                 {"last_successful_run",
                  health.last_success ? run_json(*health.last_success) : json(nullptr)},
                 {"waiting", std::move(waiting)},
                 {"accounts", std::move(accounts)},
                 {"schedule_minutes", schedule},
                 {"polling", std::string(admin::to_string(health.polling))},
                 {"stale", health.stale}});
  }

  // ------------------------------------------------------------ tenants (admin)

  static json tenant_json(const store::Tenant& t) {
    return {{"user", t.username},
            {"company_file", t.company_file},
            {"file_id", t.file_id},
            {"known_company", t.known_company_name},
            {"known_company_path", t.known_company_path},
            {"known_file_id", t.known_file_id},
            {"auto_add_limit", t.auto_add_limit == store::kUnlimitedAdds ? json("unlimited")
                                                                         : json(t.auto_add_limit)}};
  }

  static void check_username(const std::string& user) {
    if (user.empty() || user.size() > 100) invalid("user must be 1 to 100 characters");
    for (unsigned char ch : user)
      if (ch < 0x20 || ch == 0x7F) invalid("user must not contain control characters");
  }
  static void check_password(const std::string& pw) {
    if (pw.size() < 8) invalid("password must be at least 8 characters");
    if (pw.size() > 1024) invalid("password must be at most 1024 characters");
  }

  http::Response list_tenants(Ctx& c) {
    Query q(c.query, {});
    auto tx = store.begin(false);
    json items = json::array();
    for (const auto& t : tx->tenants()) items.push_back(tenant_json(t));
    return json_response({{"items", std::move(items)}, {"next_cursor", nullptr}});
  }

  http::Response create_tenant(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"user", "password", "company_file"});
    store::Tenant t;
    t.username = req_string(body, "user");
    check_username(t.username);
    const auto password = req_string(body, "password");
    check_password(password);
    t.company_file = opt_string(body, "company_file").value_or("");
    t.password_hash = sync::hash_password(password);
    t.file_id = store::make_guid();
    auto tx = store.begin(true);
    if (tx->tenant_by_name(t.username))
      fail(409, "conflict", "The tenant exists", "user '" + t.username + "' already exists");
    tx->owner_id();
    t.id = tx->add_tenant(t);
    tx->commit();
    return json_response(tenant_json(t), 201);
  }

  store::Tenant require_tenant(store::Tx& tx, const std::string& user) {
    auto t = tx.tenant_by_name(user);
    if (!t) not_found("no user '" + user + "'");
    return *t;
  }

  http::Response remove_tenant(Ctx& c) {
    Query q(c.query, {"user"});
    const auto user = q.require("user");
    auto tx = store.begin(true);
    const auto t = require_tenant(*tx, user);
    tx->remove_tenant(t.id);
    tx->commit();
    return json_response({{"removed", user}});
  }

  http::Response tenant_password(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"user", "password"});
    const auto user = req_string(body, "user");
    const auto password = req_string(body, "password");
    check_password(password);
    const auto hash = sync::hash_password(password);
    auto tx = store.begin(true);
    const auto t = require_tenant(*tx, user);
    tx->set_password_hash(t.id, hash);
    tx->set_login_failures(t.id, 0, 0);
    tx->commit();
    return json_response({{"user", user}, {"password_changed", true}});
  }

  http::Response tenant_qwc(Ctx& c) {
    Query q(c.query, {"user", "url", "support_url", "every_minutes", "app_name"});
    return qwc_download(q, q.require("user"));
  }

  // The .qwc file of `user` as a download: the admin's GET /tenant/qwc and the tenant's GET /qwc.
  http::Response qwc_download(const Query& q, const std::string& user) {
    QwcParams p;
    p.url = q.require("url");
    p.support_url = q.get("support_url").value_or("");
    p.every_minutes = static_cast<int>(q.integer("every_minutes", 1, 1440).value_or(60));
    p.app_name = q.get("app_name").value_or("qblink");
    auto tx = store.begin(true);
    const auto t = require_tenant(*tx, user);
    p.username = t.username;
    p.file_id = t.file_id;
    p.owner_id = tx->owner_id();
    tx->commit();
    std::string xml;
    try {
      xml = qwc_file(p);
    } catch (const std::invalid_argument& e) {
      invalid(e.what());
    }
    http::Response r;
    r.content_type = "application/xml; charset=utf-8";
    r.body = std::move(xml);
    std::string file;
    for (char ch : t.username)
      file.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file + ".qwc\"");
    return r;
  }

  // ------------------------------------------------------------ the console's own (issue 11)

  // The installation view: every tenant with its status, in one call.
  http::Response tenants_status(Ctx& c) {
    Query q(c.query, {"schedule_minutes"});
    const auto schedule =
        q.integer("schedule_minutes", 1, 1440).value_or(options.default_schedule_minutes);
    auto tx = store.begin(false);
    json items = json::array();
    for (const auto& t : tx->tenants()) {
      auto row = status_json(*tx, t.id, schedule);
      row["company_file"] = t.company_file;
      items.push_back(std::move(row));
    }
    return json_response({{"items", std::move(items)}, {"next_cursor", nullptr}});
  }

  // A tenant's own .qwc file, built as the admin's GET /tenant/qwc builds it.
  http::Response own_qwc(Ctx& c) {
    Query q(c.query, {"url", "support_url", "every_minutes", "app_name"});
    return qwc_download(q, c.user());
  }

  // ------------------------------------------------------------ webhooks (tenant or admin)

  // The tenant a webhook call is about: a tenant's own (naming no other), or the `user` an
  // admin token names.
  static std::string webhook_user(const Ctx& c, const std::optional<std::string>& user) {
    if (c.tenant) {
      if (user && *user != c.tenant->username)
        fail(403, "forbidden", "A tenant token acts for its own tenant only",
             "leave out 'user' (or name your own): this token belongs to another tenant");
      return c.tenant->username;
    }
    if (!user || user->empty()) invalid("an admin token must name the tenant: give 'user'");
    return *user;
  }

  static json delivery_json(const store::Delivery& d) {
    static constexpr const char* kStates[] = {"pending", "delivered", "failed"};
    return {{"id", d.id},
            {"run", d.run_id},
            {"state", kStates[static_cast<int>(d.state)]},
            {"attempts", d.attempts},
            {"next_at", d.next_at},
            {"created_at", d.created_at},
            {"last_status", d.last_status},
            {"last_error", d.last_error}};
  }

  http::Response get_webhook(Ctx& c) {
    Query q(c.query, {"user"});
    const auto user = webhook_user(c, q.get("user"));
    const auto view = service_call([&] { return service.webhook(user); });
    if (!view) not_found("user '" + user + "' has no webhook");
    json deliveries = json::array();
    for (const auto& d : view->recent) deliveries.push_back(delivery_json(d));
    return json_response({{"user", user},
                          {"url", view->hook.url},
                          {"created_at", view->hook.created_at},
                          {"deliveries", std::move(deliveries)}});
  }

  http::Response put_webhook(Ctx& c) {
    Query q(c.query, {});
    const auto body = parse_body(c.call);
    check_fields(body, {"user", "url", "secret"});
    const auto user = webhook_user(c, opt_string(body, "user"));
    const auto url = req_string(body, "url");
    const auto secret = opt_string(body, "secret").value_or("");
    const auto hook = service_call([&] { return service.set_webhook(user, url, secret); });
    return json_response({{"user", user},
                          {"url", hook.url},
                          {"secret", hook.secret},
                          {"created_at", hook.created_at}});
  }

  http::Response delete_webhook(Ctx& c) {
    Query q(c.query, {"user"});
    const auto user = webhook_user(c, q.get("user"));
    service_call([&] { service.remove_webhook(user); });
    return json_response({{"user", user}, {"removed", true}});
  }
};

const std::vector<Api::Impl::Route>& Api::Impl::table() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/openapi.json", Scope::Public, &Impl::openapi},
      {"POST", "/api/v1/session", Scope::Public, &Impl::sign_in},
      {"GET", "/api/v1/session", Scope::Public, &Impl::current_session},
      {"DELETE", "/api/v1/session", Scope::Public, &Impl::sign_out},
      {"GET", "/api/v1/status", Scope::Tenant, &Impl::status},
      {"GET", "/api/v1/accounts", Scope::Tenant, &Impl::list_accounts},
      {"POST", "/api/v1/accounts", Scope::Tenant, &Impl::upsert_accounts},
      {"GET", "/api/v1/account", Scope::Tenant, &Impl::get_account},
      {"DELETE", "/api/v1/account", Scope::Tenant, &Impl::delete_account},
      {"PUT", "/api/v1/account/link", Scope::Tenant, &Impl::put_link},
      {"GET", "/api/v1/quickbooks", Scope::Tenant, &Impl::quickbooks},
      {"GET", "/api/v1/review", Scope::Tenant, &Impl::review},
      {"POST", "/api/v1/review/decisions", Scope::Tenant, &Impl::review_decisions},
      {"GET", "/api/v1/adds", Scope::Tenant, &Impl::adds},
      {"POST", "/api/v1/adds/approve", Scope::Tenant, &Impl::approve_adds},
      {"POST", "/api/v1/adds/reject", Scope::Tenant, &Impl::reject_adds},
      {"GET", "/api/v1/runs", Scope::Tenant, &Impl::runs},
      {"GET", "/api/v1/runs/events", Scope::Tenant, &Impl::events},
      {"GET", "/api/v1/tenants", Scope::Admin, &Impl::list_tenants},
      {"POST", "/api/v1/tenants", Scope::Admin, &Impl::create_tenant},
      {"DELETE", "/api/v1/tenant", Scope::Admin, &Impl::remove_tenant},
      {"PUT", "/api/v1/tenant/password", Scope::Admin, &Impl::tenant_password},
      {"GET", "/api/v1/tenant/qwc", Scope::Admin, &Impl::tenant_qwc},
      // The console's own (issue 11).
      {"GET", "/api/v1/tenants/status", Scope::Admin, &Impl::tenants_status},
      {"GET", "/api/v1/qwc", Scope::Tenant, &Impl::own_qwc},
      {"GET", "/api/v1/webhook", Scope::TenantOrAdmin, &Impl::get_webhook},
      {"PUT", "/api/v1/webhook", Scope::TenantOrAdmin, &Impl::put_webhook},
      {"DELETE", "/api/v1/webhook", Scope::TenantOrAdmin, &Impl::delete_webhook},
  };
  return routes;
}

Api::Api(admin::Service& service, store::Store& store, Options options)
    : impl_(std::make_unique<Impl>(service, store, std::move(options))) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}
Api::~Api() = default;

http::Response Api::handle(const Call& call) { return impl_->handle(call); }

const std::vector<std::pair<std::string, std::string>>& Api::routes() {
  static const auto list = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : Impl::table()) out.emplace_back(r.method, r.path);
    return out;
  }();
  return list;
}

Call to_call(const http::Request& r) {
  // Throttles key on the address alone: a client gets a new port per connection.
  return Call{r.method,
              r.target,
              r.content_type,
              r.body,
              r.client_ip.empty() ? r.remote : r.client_ip,
              authorization_of(r),
              r.header("Cookie"),
              r.header(kCsrfHeader),
              r.header("Origin"),
              r.header(kTenantHeader)};
}

std::shared_ptr<Api> add_routes(http::Router& router, admin::Service& service, store::Store& store,
                                const Options& options) {
  auto api = std::make_shared<Api>(service, store, options);
  for (const auto& [method, path] : Api::routes())
    router.route(method, path, [api](const http::Request& r) { return api->handle(to_call(r)); });
  return api;
}

}  // namespace qblink::api

// A tenant's webhook: set, show, remove (the CLI's `qblink webhook` and the API's /webhook).
// Delivery itself is api::Deliverer's; the run queues it (sync/call.cpp, end_run).
#include <fmt/format.h>
#include <sodium.h>

#include <cctype>

#include "admin/service.h"

namespace qblink::admin {
namespace {

bool starts_with_nocase(const std::string& text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

// The host of an http(s) URL (brackets kept off an IPv6 literal), or "".
std::string host_of(const std::string& url) {
  const auto start = url.find("://") + 3;
  auto end = url.find_first_of("/?#", start);
  auto authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.find('@') != std::string::npos) return "";  // no credentials in the URL
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    return close == std::string::npos ? "" : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool loopback(std::string host) {
  for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string new_secret() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return "whsec_" + std::string(hex);
}

}  // namespace

std::optional<std::string> Service::invalid_webhook_url(const std::string& url) {
  if (url.size() > 2000) return "the webhook URL is longer than 2000 characters";
  for (unsigned char ch : url)
    if (ch <= 0x20 || ch >= 0x7F)
      return "the webhook URL must not contain spaces, control or non-ASCII characters";
  const bool https = starts_with_nocase(url, "https://");
  const bool http = starts_with_nocase(url, "http://");
  if (!https && !http) return "the webhook URL must start with https://";
  const auto host = host_of(url);
  if (host.empty()) return "the webhook URL has no host (or carries a user name)";
  if (http && !loopback(host))
    return "the webhook URL must use https:// (plain http:// only to a loopback address)";
  return std::nullopt;
}

store::Webhook Service::set_webhook(const std::string& user, const std::string& url,
                                    const std::string& secret) {
  if (auto why = invalid_webhook_url(url)) throw Error(ErrorKind::Invalid, *why);
  if (!secret.empty() && (secret.size() < 16 || secret.size() > 200))
    throw Error(ErrorKind::Invalid, "a webhook secret must be 16 to 200 characters");
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  store::Webhook hook{t->id, url, secret.empty() ? new_secret() : secret, now()};
  tx->set_webhook(hook);
  store::EventRow e;
  e.at = hook.created_at;
  e.level = "info";
  e.kind = "webhook";
  e.message = "webhook set to " + url;
  tx->add_event(t->id, e);
  tx->commit();
  return hook;
}

std::optional<Service::WebhookView> Service::webhook(const std::string& user, int recent) {
  auto tx = store_.begin(false);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  auto hook = tx->webhook(t->id);
  if (!hook) return std::nullopt;
  WebhookView view{*hook, tx->deliveries(t->id, recent)};
  view.hook.secret.clear();
  for (auto& d : view.recent) d.body.clear();
  return view;
}

void Service::remove_webhook(const std::string& user) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  if (!tx->remove_webhook(t->id))
    throw Error(ErrorKind::NotFound, "user '" + user + "' has no webhook");
  store::EventRow e;
  e.at = now();
  e.level = "info";
  e.kind = "webhook";
  e.message = "webhook removed";
  tx->add_event(t->id, e);
  tx->commit();
}

}  // namespace qblink::admin

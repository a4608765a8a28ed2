// Webhook delivery: signing, the body, the retry schedule and the background thread.
#include "api/webhooks.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "api/present.h"
#include "http/client.h"

namespace qblink::api {

std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(timestamp.data()),
                                timestamp.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>("."), 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return "sha256=" + std::string(hex);
}

std::string webhook_body(store::Tx& tx, const store::Tenant& tenant, const store::Delivery& d) {
  auto rows =
      tx.accounts_changed(tenant.id, d.changed_after, std::nullopt, "", kWebhookAccounts + 1);
  std::erase_if(rows, [&](const store::AccountRow& a) { return a.changed_at > d.changed_upto; });
  const bool truncated = rows.size() > static_cast<std::size_t>(kWebhookAccounts);
  if (truncated) rows.resize(kWebhookAccounts);
  const auto run = tx.run(d.run_id);
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("event", "run.finished")
      .field("delivery", d.id)
      .field("user", tenant.username)
      .field("run", run ? run_json(*run) : nlohmann::json(nullptr))
      .field("changed_after", d.changed_after)
      .field("changed_upto", d.changed_upto)
      .key("accounts")
      .begin_array();
  for (const auto& a : rows) write_account(w, a);
  w.end_array().field("accounts_truncated", truncated).end_object();
  return out;
}

Deliverer::Deliverer(store::Store& store, DelivererOptions options)
    : store_(store), options_(std::move(options)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

Deliverer::~Deliverer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Deliverer::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      lock.unlock();
      try {
        deliver_due();
      } catch (const std::exception& e) {
        spdlog::error("webhook: delivery pass failed: {}", e.what());
      }
      lock.lock();
      wake_.wait_for(lock, options_.poll, [this] { return stop_; });
    }
  });
}

std::int64_t Deliverer::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::size_t Deliverer::deliver_due() {
  const auto t = now();
  std::vector<store::Delivery> due;
  {
    auto tx = store_.begin(true);
    due = tx->claim_deliveries(t, t + options_.lease_seconds, options_.batch);
    tx->commit();
  }
  for (auto& d : due) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;  // the claim's lease runs out; the next server start tries it again
    }
    attempt(std::move(d), t);
  }
  return due.size();
}

void Deliverer::attempt(store::Delivery d, std::int64_t t) {
  std::optional<store::Webhook> hook;
  std::string user;
  {
    auto tx = store_.begin(false);
    hook = tx->webhook(d.tenant_id);
    const auto tenant = tx->tenant(d.tenant_id);
    if (tenant) user = tenant->username;
    if (hook && tenant && d.body.empty()) d.body = webhook_body(*tx, *tenant, d);
  }
  ++d.attempts;
  d.last_status = 0;
  d.last_error.clear();
  if (!hook) {
    d.state = store::DeliveryState::Failed;
    d.last_error = "the tenant has no webhook any more";
  } else {
    try {
      const auto url = http::parse_url(hook->url);
      http::ClientOptions co;
      co.expect_continue = false;
      co.verify_tls = true;
      co.ca_file = options_.ca_file;
      co.timeout = options_.timeout;
      co.user_agent = "qblink-webhook";
      http::Client client(hook->url, co);
      const auto stamp = std::to_string(now());
      const auto r = client.request(
          "POST", url.target, d.body,
          {{std::string(kTimestampHeader), stamp},
           {std::string(kSignatureHeader), webhook_signature(hook->secret, stamp, d.body)},
           {std::string(kDeliveryHeader), std::to_string(d.id)},
           {std::string(kEventHeader), "run.finished"}});
      d.last_status = static_cast<int>(r.status);
      if (r.status >= 200 && r.status < 300)
        d.state = store::DeliveryState::Delivered;
      else
        d.last_error = "the receiver answered HTTP " + std::to_string(r.status);
    } catch (const std::exception& e) {
      d.last_error = e.what();
    }
    if (d.state == store::DeliveryState::Pending) {
      if (d.attempts >= options_.max_attempts) {
        d.state = store::DeliveryState::Failed;
        spdlog::error(
            "webhook: gave up on delivery {} (run {}) of tenant '{}' after {} attempts: {}", d.id,
            d.run_id, user, d.attempts, d.last_error);
      } else {
        const int doublings = std::min(d.attempts - 1, 30);
        const auto wait =
            std::min(options_.first_retry_seconds << doublings, options_.max_retry_seconds);
        d.next_at = t + wait;
        spdlog::warn(
            "webhook: delivery {} of tenant '{}' failed (attempt {} of {}): {}; next in {} s", d.id,
            user, d.attempts, options_.max_attempts, d.last_error, wait);
      }
    }
  }
  auto tx = store_.begin(true);
  tx->save_delivery(d);
  tx->commit();
}

}  // namespace qblink::api

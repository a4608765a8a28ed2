#pragma once
// Webhook delivery (issue 10): a run queues a delivery row in the transaction that ends it
// (sync/call.cpp, end_run); this sends it later, from a background thread of `qblink serve`, so
// the Web Connector never waits for the receiver. Each POST carries
//   X-Qblink-Timestamp: <unix seconds>
//   X-Qblink-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the tenant's secret>
//   X-Qblink-Delivery: <delivery id>   X-Qblink-Event: run.finished
// The timestamp is inside the signed material, so a receiver that refuses old timestamps refuses
// replays. A 2xx answer delivers; anything else (or no answer) is retried with exponential
// back-off, and the delivery is given up (and logged) after max_attempts. Deliveries live in the
// store: a restart loses none, and a claim (lease) keeps two servers from sending one twice.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "store/store.h"

namespace qblink::api {

inline constexpr std::string_view kSignatureHeader = "X-Qblink-Signature";
inline constexpr std::string_view kTimestampHeader = "X-Qblink-Timestamp";
inline constexpr std::string_view kDeliveryHeader = "X-Qblink-Delivery";
inline constexpr std::string_view kEventHeader = "X-Qblink-Event";
// At most this many accounts in one POST; past it "accounts_truncated" is true and the receiver
// reads the rest with GET /api/v1/accounts?changed_since=<changed_after>.
inline constexpr int kWebhookAccounts = 1000;

// "sha256=" + hex HMAC-SHA256 of timestamp + "." + body under `secret`.
std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

// The JSON a delivery POSTs: the run's counts and the accounts whose change number moved during
// the run (as GET /api/v1/accounts shows them).
std::string webhook_body(store::Tx& tx, const store::Tenant& tenant, const store::Delivery& d);

struct DelivererOptions {
  int max_attempts = 10;
  std::int64_t first_retry_seconds = 30;      // doubled after each failed attempt...
  std::int64_t max_retry_seconds = 6 * 3600;  // ...up to this
  std::int64_t lease_seconds = 300;  // a claimed delivery is not tried elsewhere for this long
  int batch = 20;                    // deliveries claimed per pass
  std::chrono::milliseconds poll{2000};
  std::chrono::milliseconds timeout{10'000};  // per POST: connect, TLS, answer
  std::string ca_file;                        // TLS trust: the system's CAs when empty
  std::function<std::int64_t()> clock;        // unix seconds; empty = system clock
};

class Deliverer {
 public:
  explicit Deliverer(store::Store& store, DelivererOptions options = {});
  ~Deliverer();  // stops the thread (an attempt in flight ends first)
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Starts the background thread: deliver_due() every poll interval.
  void start();
  // One pass: claims the due deliveries and attempts each once. Returns the attempts made.
  std::size_t deliver_due();

 private:
  void attempt(store::Delivery d, std::int64_t now);
  std::int64_t now() const;

  store::Store& store_;
  DelivererOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace qblink::api

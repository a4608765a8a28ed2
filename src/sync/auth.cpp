#include "sync/auth.h"

#include <sodium.h>

#include <atomic>
#include <stdexcept>

namespace qblink::sync {
namespace {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not initialise");
}

std::atomic<std::uint64_t> verifications{0};

}  // namespace

std::uint64_t password_verifications() { return verifications.load(); }

std::string hash_password(const std::string& password) {
  init();
  char out[crypto_pwhash_STRBYTES];
  // argon2id with OWASP's minimum (19 MiB, 2 passes): tens of ms on the worker pool, and a
  // server handling many logins at once stays within a modest memory budget.
  constexpr unsigned long long kOps = 2;
  constexpr std::size_t kMem = 19u << 20;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOps, kMem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing failed (out of memory)");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  init();
  ++verifications;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void burn_verify_time(const std::string& password) {
  static const std::string dummy = hash_password("qblink: no such user");
  (void)verify_password(dummy, password);
}

std::string new_ticket() {
  init();
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

HashGate::HashGate(int limit, int max_waiting, std::chrono::milliseconds wait)
    : limit_(limit < 1 ? 1 : limit), max_waiting_(max_waiting), wait_(wait) {}

HashGate::Slot::~Slot() {
  if (!gate_) return;
  {
    std::lock_guard lock(gate_->mutex_);
    --gate_->running_;
  }
  gate_->freed_.notify_one();
}

HashGate::Slot HashGate::acquire() {
  std::unique_lock lock(mutex_);
  if (running_ >= limit_) {
    if (max_waiting_ >= 0 && waiting_ >= max_waiting_) return Slot(nullptr);
    ++waiting_;
    const bool got = freed_.wait_for(lock, wait_, [&] { return running_ < limit_; });
    --waiting_;
    if (!got) return Slot(nullptr);
  }
  ++running_;
  return Slot(this);
}

VerifiedPasswords::VerifiedPasswords(std::int64_t lifetime_seconds) : lifetime_(lifetime_seconds) {
  init();
  crypto_generichash_keygen(key_.data());
}

VerifiedPasswords::~VerifiedPasswords() { sodium_memzero(key_.data(), key_.size()); }

VerifiedPasswords::Digest VerifiedPasswords::digest(std::int64_t tenant,
                                                    const std::string& stored_hash,
                                                    const std::string* password) const {
  // Every variable-length part is length-prefixed, so no two inputs share a byte string.
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_.data(), key_.size(), 32);
  const auto add_u64 = [&](std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    crypto_generichash_update(&st, b, sizeof b);
  };
  const auto add_text = [&](const std::string& t) {
    add_u64(t.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(t.data()), t.size());
  };
  add_text(password ? "qblink verified password 1" : "qblink stored hash 1");
  add_u64(static_cast<std::uint64_t>(tenant));
  add_text(stored_hash);
  if (password) add_text(*password);
  Digest out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

bool VerifiedPasswords::check(std::int64_t tenant, const std::string& stored_hash,
                              const std::string& password, std::int64_t now) {
  if (lifetime_ <= 0) return false;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(tenant);
    if (it == entries_.end()) return false;
    if (now >= it->second.expires) {
      entries_.erase(it);
      return false;
    }
  }
  // Hashing outside the lock: BLAKE2b of a few hundred bytes, a microsecond.
  const auto fp = digest(tenant, stored_hash, nullptr);
  const auto d = digest(tenant, stored_hash, &password);
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(tenant);
  if (it == entries_.end()) return false;
  if (sodium_memcmp(it->second.stored_fp.data(), fp.data(), fp.size()) != 0) {
    entries_.erase(it);  // the password was changed since: the entry is worth nothing
    return false;
  }
  return sodium_memcmp(it->second.digest.data(), d.data(), d.size()) == 0 &&
         now < it->second.expires;
}

void VerifiedPasswords::remember(std::int64_t tenant, const std::string& stored_hash,
                                 const std::string& password, std::int64_t now) {
  if (lifetime_ <= 0) return;
  Entry e{digest(tenant, stored_hash, &password), digest(tenant, stored_hash, nullptr),
          now + lifetime_};
  std::lock_guard lock(mutex_);
  entries_[tenant] = e;
}

void VerifiedPasswords::forget(std::int64_t tenant) {
  std::lock_guard lock(mutex_);
  entries_.erase(tenant);
}

}  // namespace qblink::sync

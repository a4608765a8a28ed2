#pragma once
// Passwords (argon2id) and tickets (128 random bits) via libsodium; a bound on concurrent
// argon2id runs, and an in-memory cache of recently verified passwords (see VerifiedPasswords).
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace qblink::sync {

// Throws std::runtime_error if libsodium cannot initialise or hash (out of memory).
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// Costs the same as verify_password, for unknown users, so timing does not reveal who exists.
void burn_verify_time(const std::string& password);
// 32 lowercase hex digits from 16 random bytes.
std::string new_ticket();
// How many argon2id verifications (verify_password and burn_verify_time) this process ran: lets
// tests see whether a login was answered from VerifiedPasswords.
std::uint64_t password_verifications();

// A counting semaphore on argon2id: at most `limit` runs at once (each takes ~20 MiB and tens of
// ms of one core), and at most `max_waiting` callers (negative: any number) waiting for a slot,
// each for at most `wait`. Given a worker pool, max_waiting < workers - limit means a flood of
// logins never holds every worker: the others keep serving the Web Connector sessions. A caller
// that gets no slot is told to come back later ("busy").
class HashGate {
 public:
  explicit HashGate(int limit = 2, int max_waiting = -1,
                    std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  HashGate(const HashGate&) = delete;
  HashGate& operator=(const HashGate&) = delete;

  // RAII slot: converts to true when acquired; released when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot();
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    friend class HashGate;
    explicit Slot(HashGate* gate) : gate_(gate) {}
    HashGate* gate_;
  };
  Slot acquire();
  void configure(int limit, int max_waiting) {
    std::lock_guard lock(mutex_);
    limit_ = limit < 1 ? 1 : limit;
    max_waiting_ = max_waiting;
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int limit_, max_waiting_;
  std::chrono::milliseconds wait_;
  int running_ = 0, waiting_ = 0;
};

// Remembers, in memory only and for `lifetime_seconds`, that a password matched a tenant's
// stored argon2id hash, so the Web Connector's login every few minutes does not pay argon2id
// each time. What is kept per tenant is a keyed BLAKE2b hash (crypto_generichash, 32-byte key
// drawn at random when the process starts and never stored) of (tenant, stored hash, password):
//  - nothing in it is a password or a password-equivalent: without the key (in this process's
//    memory only, gone at exit) it cannot be tested offline, and with a memory dump an attacker
//    already holds the live process and the passwords it receives;
//  - a password change changes the stored hash, so the old entry matches nothing and is dropped;
//  - any failed attempt for the tenant drops the entry (forget), so a guess is never answered
//    faster than argon2id and the cache never helps an attacker: only the right password is
//    fast, and the answer says so anyway;
//  - at most one entry per tenant that logged in, each expiring `lifetime_seconds` after the
//    argon2id verification that created it (not extended by hits).
class VerifiedPasswords {
 public:
  explicit VerifiedPasswords(std::int64_t lifetime_seconds = 600);
  ~VerifiedPasswords();
  VerifiedPasswords(const VerifiedPasswords&) = delete;
  VerifiedPasswords& operator=(const VerifiedPasswords&) = delete;

  // True when `password` was verified against `stored_hash` for `tenant` within the lifetime.
  bool check(std::int64_t tenant, const std::string& stored_hash, const std::string& password,
             std::int64_t now);
  void remember(std::int64_t tenant, const std::string& stored_hash, const std::string& password,
                std::int64_t now);
  void forget(std::int64_t tenant);
  void set_lifetime(std::int64_t seconds) { lifetime_ = seconds; }
  std::int64_t lifetime() const { return lifetime_; }

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Entry {
    Digest digest{};     // keyed hash of (tenant, stored hash, password)
    Digest stored_fp{};  // keyed hash of (tenant, stored hash): tells a password change
    std::int64_t expires = 0;
  };
  Digest digest(std::int64_t tenant, const std::string& stored_hash,
                const std::string* password) const;

  std::array<unsigned char, 32> key_{};
  std::int64_t lifetime_;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, Entry> entries_;
};

}  // namespace qblink::sync

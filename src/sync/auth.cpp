#include "sync/auth.h"

#include <sodium.h>

#include <stdexcept>

namespace qblink::sync {
namespace {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not initialise");
}

}  // namespace

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

}  // namespace qblink::sync

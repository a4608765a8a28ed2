// API tokens: 256 random bits shown once, only their SHA-256 stored.
#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "api/api.h"

namespace qblink::api {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xF]);
  }
  return out;
}

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

std::optional<store::TenantId> owner(store::Tx& tx, const std::optional<std::string>& user) {
  if (!user) return std::nullopt;
  auto t = tx.tenant_by_name(*user);
  if (!t) throw std::invalid_argument("no user '" + *user + "'");
  return t->id;
}

}  // namespace

std::string hash_token(std::string_view token) {
  init_sodium();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return hex(out, sizeof out);
}

NewToken create_token(store::Store& store, const std::optional<std::string>& user,
                      const std::string& name, std::int64_t now) {
  if (name.empty() || name.size() > 100)
    throw std::invalid_argument("a token name must be 1 to 100 characters");
  if (name.find_first_not_of("0123456789") == std::string::npos)
    throw std::invalid_argument("a token name must not be a number (numbers are token ids)");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7F)
      throw std::invalid_argument("a token name must not contain control characters");
  init_sodium();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  NewToken out;
  out.token = "qbl_" + hex(raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  auto tx = store.begin(true);
  store::ApiToken t;
  t.tenant_id = owner(*tx, user);
  for (const auto& other : tx->api_tokens(t.tenant_id))
    if (!other.revoked && other.name == name)
      throw std::invalid_argument("a live token named '" + name + "' already exists");
  t.name = name;
  t.hash = hash_token(out.token);
  t.created_at = now;
  out.id = tx->add_api_token(t);
  tx->commit();
  return out;
}

std::vector<store::ApiToken> list_tokens(store::Store& store,
                                         const std::optional<std::string>& user) {
  auto tx = store.begin(false);
  return tx->api_tokens(owner(*tx, user));
}

store::ApiToken revoke_token(store::Store& store, const std::optional<std::string>& user,
                             const std::string& name_or_id) {
  auto tx = store.begin(true);
  const auto tenant = owner(*tx, user);
  const auto tokens = tx->api_tokens(tenant);
  const bool numeric =
      !name_or_id.empty() && name_or_id.find_first_not_of("0123456789") == std::string::npos;
  auto it = std::find_if(tokens.begin(), tokens.end(), [&](const store::ApiToken& t) {
    return numeric ? std::to_string(t.id) == name_or_id : (!t.revoked && t.name == name_or_id);
  });
  if (it == tokens.end())
    throw std::invalid_argument("no token '" + name_or_id + "'" +
                                (user ? " for " + *user : std::string(" (admin)")));
  tx->revoke_api_token(tenant, it->id);
  tx->commit();
  auto t = *it;
  t.revoked = true;
  return t;
}

}  // namespace qblink::api

namespace qblink::api {

bool is_admin_bearer(store::Store& store, std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if ((authorization[i] | 0x20) != kScheme[i]) return false;
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return false;
  auto tx = store.begin(false);
  const auto row = tx->api_token_by_hash(hash_token(token));
  return row && !row->revoked && !row->tenant_id;
}

}  // namespace qblink::api

#pragma once
// Passwords (argon2id) and tickets (128 random bits) via libsodium.
#include <string>

namespace qblink::sync {

// Throws std::runtime_error if libsodium cannot initialise or hash (out of memory).
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// Costs the same as verify_password, for unknown users, so timing does not reveal who exists.
void burn_verify_time(const std::string& password);
// 32 lowercase hex digits from 16 random bytes.
std::string new_ticket();

}  // namespace qblink::sync

#pragma once
#include <stdexcept>

namespace qblink::store {

// Any database failure, whatever the engine (a failed statement, a lost connection, a schema
// newer than this build). Messages never carry a password (see store::redact).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace qblink::store

#pragma once
#include <string>

namespace qblink::store {
// A GUID in the Web Connector's brace form, e.g. {90A44FB7-33D9-4815-AC85-AC86A7E7D1EB}.
// Identifiers, not secrets: tickets use libsodium instead.
std::string make_guid();
}  // namespace qblink::store

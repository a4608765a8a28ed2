// qbXML responses come from QuickBooks through the Web Connector: parse_response must answer
// ok=false for anything malformed, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "qbxml/qbxml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed =
      qblink::qbxml::parse_response(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.ok && !parsed.error.empty()) __builtin_trap();
  return 0;
}

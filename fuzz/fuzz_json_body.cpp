// The JSON API's request bodies: parsed as the API parses them (nlohmann, exceptions off), and
// walked, must never crash.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

namespace {
std::size_t walk(const nlohmann::json& j, int depth) {
  if (depth > 64) return 0;
  std::size_t n = 1;
  if (j.is_object() || j.is_array())
    for (const auto& item : j) n += walk(item, depth + 1);
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    walk(j, 0);
    (void)j.dump();
  }
  return 0;
}

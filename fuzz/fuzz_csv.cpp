// The admin's CSV files: parse_csv either returns rows or throws a cli::Error with the line,
// nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/commands.h"
#include "cli/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the delimiter, as --delimiter would.
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  const char delimiter = kDelimiters[data[0] % 4];
  try {
    qblink::cli::parse_csv(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1),
                           delimiter);
  } catch (const qblink::cli::Error&) {
  }
  return 0;
}

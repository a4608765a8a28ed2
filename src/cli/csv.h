#pragma once
// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, embedded newlines in quotes.
#include <string>
#include <string_view>
#include <vector>

namespace qblink::cli {

struct CsvRow {
  std::size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

// Throws cli::Error naming the line for an unterminated quote or text after a closing quote.
std::vector<CsvRow> parse_csv(std::string_view text);

// True if text is valid UTF-8.
bool valid_utf8(std::string_view text);

}  // namespace qblink::cli

#pragma once
// CSV as files really are: RFC 4180 (quoted fields, doubled quotes, CRLF or LF, embedded newlines
// in quotes) with a comma, semicolon or tab delimiter, in UTF-8 (with or without BOM), UTF-16
// with a BOM (Excel's "Unicode text") or Windows-1252 (Excel's "CSV" on a Western Windows).
#include <string>
#include <string_view>
#include <vector>

namespace qblink::cli {

struct CsvRow {
  std::size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

// Throws cli::Error naming the line for an unterminated quote or text after a closing quote.
// A leading UTF-8 BOM is skipped.
std::vector<CsvRow> parse_csv(std::string_view text, char delimiter = ',');

// True if text is valid UTF-8.
bool valid_utf8(std::string_view text);

// A file's bytes as UTF-8 text, and what they were read as.
struct DecodedText {
  std::string text;      // UTF-8, without BOM
  std::string encoding;  // "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE", "Windows-1252"
  bool guessed = false;  // Windows-1252 chosen because the bytes are not UTF-8
};

// encoding: "" or "auto" (BOM, else UTF-8, else Windows-1252 when the file has no valid UTF-8
// multi-byte sequence at all), "utf-8", "utf-16" (BOM decides, little-endian without one),
// "utf-16le", "utf-16be", "cp1252" (also "windows-1252", "latin1"). A byte that cannot be read
// is a cli::Error naming `what`, its line and column (in characters).
DecodedText decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& what);

// The delimiter of a file from its first line: the most frequent of ',', ';' and '\t' outside
// quotes; ',' when none occurs. `spec` ("", "auto", ",", ";", "tab", "\\t", "comma",
// "semicolon") overrides; anything else is a cli::Error.
char detect_delimiter(std::string_view text, const std::string& spec = "");
// ",", ";" or "tab", for messages.
std::string delimiter_name(char delimiter);

// One field quoted for CSV output when it needs to be (delimiter, quote, CR or LF, or leading
// or trailing space).
std::string csv_field(std::string_view field, char delimiter = ',');

}  // namespace qblink::cli

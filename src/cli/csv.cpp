#include "cli/csv.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "cli/commands.h"
#include "reconcile/reconcile.h"

namespace qblink::cli {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "line L, column C" of the character that follows `decoded` (valid UTF-8 read so far).
std::string position(std::string_view decoded) {
  const auto nl = decoded.rfind('\n');
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(decoded.begin(), decoded.end(), '\n'));
  const auto rest = nl == kNpos ? decoded : decoded.substr(nl + 1);
  std::size_t column = 1;
  for (const char c : rest)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++column;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string hex_byte(unsigned char c) {
  static const char* hex = "0123456789ABCDEF";
  return std::string("0x") + hex[c >> 4] + hex[c & 15];
}

// Windows-1252's 0x80..0x9F; 0 = undefined.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string from_cp1252(std::string_view bytes, const std::string& what) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    std::uint32_t cp = c;
    if (c >= 0x80 && c < 0xA0) {
      cp = kCp1252High[c - 0x80];
      if (cp == 0)
        throw Error(what + ": " + position(out) + ": byte " + hex_byte(c) +
                    " is not a Windows-1252 character (is the file in another encoding?)");
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string from_utf16(std::string_view bytes, bool big_endian, const std::string& what) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](std::size_t i) -> std::uint32_t {
    const auto a = static_cast<unsigned char>(bytes[i]),
               b = static_cast<unsigned char>(bytes[i + 1]);
    return big_endian ? (std::uint32_t{a} << 8 | b) : (std::uint32_t{b} << 8 | a);
  };
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    std::uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const std::uint32_t low = i + 3 < bytes.size() ? unit(i + 2) : 0;
      if (low < 0xDC00 || low > 0xDFFF)
        throw Error(what + ": " + position(out) +
                    ": a UTF-16 high surrogate without its low half (the file is damaged)");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      i += 2;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      throw Error(what + ": " + position(out) +
                  ": a UTF-16 low surrogate without its high half (the file is damaged)");
    }
    append_utf8(out, cp);
  }
  if (i < bytes.size())
    throw Error(what + ": " + position(out) + ": an odd number of bytes for UTF-16 (truncated?)");
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::vector<CsvRow> parse_csv(std::string_view text, char delimiter) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // Excel's BOM
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  std::size_t line = 1;
  row.line = 1;
  bool quoted = false, was_quoted = false, any = false;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    // A blank line is not a row.
    if (!(row.fields.size() == 1 && row.fields[0].empty())) rows.push_back(std::move(row));
    row = CsvRow{};
    row.line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == delimiter) {
      end_field();
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || was_quoted)
          throw Error("CSV line " + std::to_string(line) + ": a quote inside an unquoted field");
        quoted = was_quoted = true;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        [[fallthrough]];
      case '\n':
        ++line;
        end_row();
        break;
      default:
        if (was_quoted)
          throw Error("CSV line " + std::to_string(line) + ": text after a closing quote");
        field += c;
    }
  }
  if (quoted) throw Error("CSV line " + std::to_string(row.line) + ": unterminated quote");
  if (any && (!field.empty() || !row.fields.empty() || was_quoted)) end_row();
  return rows;
}

bool valid_utf8(std::string_view s) { return reconcile::utf8_error_at(s) == kNpos; }

DecodedText decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& what) {
  const auto enc = lower(encoding);
  auto utf8 = [&](std::string_view b, std::string name) {
    if (const auto at = reconcile::utf8_error_at(b); at != kNpos)
      throw Error(what + ": " + position(b.substr(0, at)) + ": byte " +
                  hex_byte(static_cast<unsigned char>(b[at])) +
                  " is not UTF-8 (if the file is Windows-1252, say --encoding cp1252)");
    return DecodedText{std::string(b), std::move(name), false};
  };
  const bool bom8 = bytes.starts_with("\xEF\xBB\xBF");
  const bool bom_le = bytes.starts_with("\xFF\xFE"), bom_be = bytes.starts_with("\xFE\xFF");
  if (enc == "utf-8" || enc == "utf8")
    return bom8 ? utf8(bytes.substr(3), "UTF-8 with BOM") : utf8(bytes, "UTF-8");
  if (enc == "cp1252" || enc == "windows-1252" || enc == "latin1" || enc == "iso-8859-1")
    return {from_cp1252(bytes, what), "Windows-1252", false};
  if (enc == "utf-16le") return {from_utf16(bytes.substr(bom_le ? 2 : 0), false, what), "UTF-16LE"};
  if (enc == "utf-16be") return {from_utf16(bytes.substr(bom_be ? 2 : 0), true, what), "UTF-16BE"};
  if (enc == "utf-16") {
    if (bom_be) return {from_utf16(bytes.substr(2), true, what), "UTF-16BE"};
    return {from_utf16(bytes.substr(bom_le ? 2 : 0), false, what), "UTF-16LE"};
  }
  if (!enc.empty() && enc != "auto")
    throw Error("--encoding must be auto, utf-8, utf-16, utf-16le, utf-16be or cp1252, not '" +
                encoding + "'");
  // Auto: a BOM decides; then UTF-8; then Windows-1252, but only for a file with no valid
  // UTF-8 multi-byte sequence (a file with both is damaged UTF-8, not Windows-1252).
  if (bom8) return utf8(bytes.substr(3), "UTF-8 with BOM");
  if (bom_le) return {from_utf16(bytes.substr(2), false, what), "UTF-16LE"};
  if (bom_be) return {from_utf16(bytes.substr(2), true, what), "UTF-16BE"};
  if (bytes.size() >= 4 && bytes.size() % 2 == 0) {
    // UTF-16 without a BOM: an ASCII header shows as X\0Y\0 or \0X\0Y.
    if (bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0)
      return {from_utf16(bytes, false, what), "UTF-16LE", true};
    if (bytes[0] == 0 && bytes[1] != 0 && bytes[2] == 0 && bytes[3] != 0)
      return {from_utf16(bytes, true, what), "UTF-16BE", true};
  }
  bool multibyte = false;
  const auto at = reconcile::utf8_error_at(bytes, &multibyte);
  if (at == kNpos) return {std::string(bytes), "UTF-8", false};
  if (multibyte) return utf8(bytes, "UTF-8");  // names the bad byte
  return {from_cp1252(bytes, what), "Windows-1252", true};
}

char detect_delimiter(std::string_view text, const std::string& spec) {
  const auto s = lower(spec);
  if (s == "," || s == "comma") return ',';
  if (s == ";" || s == "semicolon") return ';';
  if (s == "tab" || s == "\\t" || s == "\t") return '\t';
  if (s == "|" || s == "pipe") return '|';
  if (!s.empty() && s != "auto")
    throw Error("--delimiter must be auto, comma, semicolon, tab or pipe (or , ; |), not '" + spec +
                "'");
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::size_t comma = 0, semi = 0, tab = 0;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    comma += c == ',';
    semi += c == ';';
    tab += c == '\t';
  }
  if (tab > comma && tab >= semi) return '\t';
  if (semi > comma) return ';';
  return ',';
}

std::string delimiter_name(char d) {
  switch (d) {
    case '\t':
      return "tab";
    case ';':
      return "semicolon";
    case '|':
      return "pipe";
    default:
      return "comma";
  }
}

std::string csv_field(std::string_view field, char delimiter) {
  const bool quote = field.find_first_of(std::string{'"', '\r', '\n', delimiter}) != kNpos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace qblink::cli

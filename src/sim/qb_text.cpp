#include "sim/qb_text.h"

#include <charconv>

namespace qblink::sim::text {

std::optional<char32_t> next_code_point(std::string_view utf8, std::size_t& pos) {
  if (pos >= utf8.size()) return std::nullopt;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(utf8[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + length > utf8.size()) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char c = byte(pos + i);
    if ((c & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and values past Unicode are not characters.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  pos += length;
  return cp;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_code_point(text, pos)) return false;
  }
  return true;
}

std::size_t char_count(std::string_view utf8) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < utf8.size(); ++count) {
    if (!next_code_point(utf8, pos)) ++pos;
  }
  return count;
}

bool is_latin1(std::string_view utf8) {
  for (std::size_t pos = 0; pos < utf8.size();) {
    const auto cp = next_code_point(utf8, pos);
    if (!cp || *cp > 0xFF) return false;
  }
  return true;
}

std::string name_key(std::string_view utf8) {
  std::string key(utf8);
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 'A' && c <= 'Z') {
      key[i] = static_cast<char>(c + 32);
    } else if (c == ':') {
      key[i] = '\x01';  // XML text cannot hold U+0001, so no real name maps here
    } else if (c == 0xC3 && i + 1 < key.size()) {
      // U+00C0..U+00DE (except U+00D7, the multiplication sign) are the Latin-1 capitals; in
      // UTF-8 they are C3 80..C3 9E and their lower-case forms are exactly 0x20 higher.
      const auto next = static_cast<unsigned char>(key[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) key[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return key;
}

namespace {

void append_reference(std::string& out, char32_t cp) {
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, static_cast<unsigned>(cp));
  out += "&#";
  out.append(digits, end);
  out += ';';
}

// The replacement for an ASCII character, or nullptr to copy it as is.
const char* entity_for(char c, bool attribute) {
  if (c == '&') return "&amp;";
  if (c == '<') return "&lt;";
  if (c == '>') return "&gt;";
  if (c == '"') return attribute ? "&quot;" : nullptr;
  if (c == '\r') return "&#13;";  // a reader would normalise a raw CR away
  if (c == '\n') return attribute ? "&#10;" : nullptr;
  if (c == '\t') return attribute ? "&#9;" : nullptr;
  // Other C0 controls are not allowed in XML 1.0, not even as references.
  if (static_cast<unsigned char>(c) < 0x20) return "&#65533;";
  return nullptr;
}

void append_escaped(std::string& out, std::string_view utf8, bool attribute) {
  std::size_t run_start = 0;
  std::size_t pos = 0;
  const auto flush = [&](std::size_t end) { out.append(utf8.substr(run_start, end - run_start)); };
  while (pos < utf8.size()) {
    const auto c = static_cast<unsigned char>(utf8[pos]);
    const char* entity = c < 0x80 ? entity_for(static_cast<char>(c), attribute) : nullptr;
    if (entity != nullptr) {
      flush(pos);
      out += entity;
      run_start = ++pos;
    } else if (c < 0x80) {
      ++pos;
    } else {
      flush(pos);
      std::size_t next = pos;
      const auto cp = next_code_point(utf8, next);
      append_reference(out, cp.value_or(0xFFFD));
      pos = cp ? next : pos + 1;
      run_start = pos;
    }
  }
  flush(pos);
}

}  // namespace

void append_text(std::string& out, std::string_view utf8) { append_escaped(out, utf8, false); }

void append_attribute(std::string& out, std::string_view utf8) { append_escaped(out, utf8, true); }

}  // namespace qblink::sim::text

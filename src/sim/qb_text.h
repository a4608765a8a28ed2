#pragma once
// Text rules of QuickBooks Desktop that the fake company and the fake QuickBooks share: names are
// ISO-8859-1, compared case-insensitively, and responses carry non-ASCII as character references.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qblink::sim::text {

// Decodes the UTF-8 sequence at `pos` and advances `pos`; nullopt (pos unchanged) when malformed.
std::optional<char32_t> next_code_point(std::string_view utf8, std::size_t& pos);

bool is_valid_utf8(std::string_view text);

// Characters, not bytes: what an XSD maxLength and QuickBooks' field limits count.
// Malformed bytes count one each.
std::size_t char_count(std::string_view utf8);

// True when every character is in ISO-8859-1, the only characters QuickBooks Desktop stores in a
// name. False on malformed UTF-8.
bool is_latin1(std::string_view utf8);

// The comparison key of a name: ASCII and Latin-1 letters folded to lower case (QuickBooks
// compares names case-insensitively) and ':' mapped below every printable character so that a
// customer's jobs sort right after it ("Acme", "Acme:Roof", "Acme Corp"), as in QuickBooks' lists.
std::string name_key(std::string_view utf8);

// XML escaping as QuickBooks writes it: & < > (and " in attributes) as entities, every character
// above ASCII as a decimal reference (&#233;). Malformed UTF-8 becomes U+FFFD.
void append_text(std::string& out, std::string_view utf8);
void append_attribute(std::string& out, std::string_view utf8);

}  // namespace qblink::sim::text

#include "reconcile/text.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

namespace qblink::reconcile {
namespace text {
namespace {

constexpr std::size_t kMaxNameChars = 41;  // traps.md 15, qbwc-protocol.md 6.9

// Base letters for U+00C0..U+00FF; nullptr where there is nothing to strip (× and ÷).
constexpr std::array<const char*, 64> kAccentFree = {
    "A", "A", "A", "A", "A", "A", "AE", "C",     "E", "E", "E", "E", "I", "I", "I",  "I",
    "D", "N", "O", "O", "O", "O", "O",  nullptr, "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};

// ASCII classes for fold()'s fast path.
enum AsciiClass : unsigned char { kOther, kUpper, kSpace, kPunctuation, kAmpersand };
constexpr std::array<unsigned char, 128> kAsciiClass = [] {
  std::array<unsigned char, 128> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kUpper;
  for (int c = '\t'; c <= '\r'; ++c) table[c] = kSpace;
  table[' '] = kSpace;
  for (const char c : {'.', ',', '\'', '-'}) table[static_cast<unsigned char>(c)] = kPunctuation;
  table['&'] = kAmpersand;
  return table;
}();

char32_t lower_cp(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;  // Latin-1 capitals
  return cp;
}

bool is_space(char32_t cp) {
  return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// The design's . , ' - plus their typographic twins, which an app may hold but QuickBooks not.
bool is_punctuation(char32_t cp) {
  return cp == '.' || cp == ',' || cp == '\'' || cp == '-' || (cp >= 0x2010 && cp <= 0x2015) ||
         cp == 0x2018 || cp == 0x2019;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Runs of spaces become one; none at either end of the name or of a ':' segment (a job path).
void collapse_spaces(std::string& s) {
  std::size_t w = 0;
  bool pending = false;
  for (std::size_t r = 0; r < s.size(); ++r) {
    const char c = s[r];
    if (c == ' ') {
      pending = true;
      continue;
    }
    if (pending && w > 0 && s[w - 1] != ':' && c != ':') s[w++] = ' ';
    pending = false;
    s[w++] = c;
  }
  s.resize(w);
}

// Words sorted within each ':' segment. Empty words (from unfolded double spaces) sort too, so
// that word order and spacing stay separate kinds.
void sort_words(std::string& s) {
  if (s.find(' ') == std::string::npos) return;
  thread_local std::vector<std::string_view> words;
  thread_local std::vector<std::size_t> segment_ends;  // index into words, one per segment
  words.clear();
  segment_ends.clear();
  bool sorted = true;
  const std::string_view all(s);
  std::size_t from = 0;
  for (std::size_t i = 0; i <= all.size(); ++i) {
    if (i < all.size() && all[i] != ' ' && all[i] != ':') continue;
    const std::string_view word = all.substr(from, i - from);
    const bool segment_start =
        segment_ends.empty() ? words.empty() : segment_ends.back() == words.size();
    if (!segment_start && word < words.back()) sorted = false;
    words.push_back(word);
    if (i == all.size() || all[i] == ':') segment_ends.push_back(words.size());
    from = i + 1;
  }
  if (sorted) return;  // already in order: nothing to copy
  thread_local std::string out;
  out.clear();
  std::size_t begin = 0;
  for (const std::size_t end : segment_ends) {
    std::sort(words.begin() + static_cast<std::ptrdiff_t>(begin),
              words.begin() + static_cast<std::ptrdiff_t>(end));
    if (begin > 0) out.push_back(':');
    for (std::size_t i = begin; i < end; ++i) {
      if (i > begin) out.push_back(' ');
      out.append(words[i]);
    }
    begin = end;
  }
  s.swap(out);
}

// Which folds can change a name at all. Accents, "&" and punctuation are produced by no other
// fold and case is erased by none, so a fold that leaves both raw names alone cannot be what
// tells them apart; near_kinds() skips it. Spaces and word order have no such shortcut.
Folds effective_folds(std::string_view s) {
  Folds folds = fold_bit(NearKind::Spaces) | fold_bit(NearKind::WordOrder);
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint d = decode_utf8(s, i);
    i += d.length;
    if (!d.valid) continue;
    const char32_t cp = d.value;
    if (lower_cp(cp) != cp) folds |= fold_bit(NearKind::Case);
    if (is_punctuation(cp)) folds |= fold_bit(NearKind::Punctuation);
    if (cp == '&') folds |= fold_bit(NearKind::Ampersand);
    if (cp >= 0xC0 && cp <= 0xFF && kAccentFree[cp - 0xC0] != nullptr) {
      folds |= fold_bit(NearKind::Accents);
    }
  }
  return folds;
}

void append_hex_escape(std::string& out, unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", byte);
  out += buf;
}

std::string code_point_label(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace

CodePoint decode_utf8(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t length = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // beyond U+10FFFF
  } else {
    return {c, 1, false};
  }
  if (i + length > s.size()) return {c, 1, false};
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if (next < (k == 1 ? lo : 0x80) || next > (k == 1 ? hi : 0xBF)) return {c, 1, false};
    cp = (cp << 6) | (next & 0x3F);
  }
  return {cp, length, true};
}

bool fold(std::string_view s, Folds folds, PunctuationAs punctuation, std::string& out) {
  const bool fold_case = folds & fold_bit(NearKind::Case);
  const bool fold_spaces = folds & fold_bit(NearKind::Spaces);
  const bool fold_punctuation = folds & fold_bit(NearKind::Punctuation);
  const bool fold_ampersand = folds & fold_bit(NearKind::Ampersand);
  const bool fold_accents = folds & fold_bit(NearKind::Accents);
  bool saw_punctuation = false;
  out.clear();
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    if (c < 0x80) {  // the common case: no decoder, one table look-up
      ++i;
      switch (kAsciiClass[c]) {
        case kOther:
          out.push_back(static_cast<char>(c));
          continue;
        case kUpper:
          out.push_back(static_cast<char>(fold_case ? c + 32 : c));
          continue;
        default:
          break;  // white space, punctuation and '&' take the general path
      }
    } else {
      const CodePoint d = decode_utf8(s, i);
      if (!d.valid) {
        out.push_back(s[i]);
        ++i;
        continue;
      }
      i += d.length;
      cp = d.value;
    }
    if (fold_punctuation && is_punctuation(cp)) {
      saw_punctuation = true;
      if (punctuation == PunctuationAs::Space) out.push_back(' ');
      continue;
    }
    if (fold_spaces && is_space(cp)) {
      out.push_back(' ');
      continue;
    }
    // "A&B" is spaced like "A & B" only by the spaces fold: that is a difference of spacing.
    if (cp == '&' && (fold_spaces || fold_ampersand)) {
      if (fold_spaces) out.push_back(' ');
      out += fold_ampersand ? "and" : "&";
      if (fold_spaces) out.push_back(' ');
      continue;
    }
    if (fold_accents && cp >= 0xC0 && cp <= 0xFF && kAccentFree[cp - 0xC0] != nullptr) {
      for (const char* p = kAccentFree[cp - 0xC0]; *p != '\0'; ++p) {
        out.push_back(static_cast<char>(fold_case ? lower_cp(static_cast<char32_t>(*p)) : *p));
      }
      continue;
    }
    append_utf8(out, fold_case ? lower_cp(cp) : cp);
  }
  if (fold_spaces) collapse_spaces(out);
  if (folds & fold_bit(NearKind::WordOrder)) sort_words(out);
  return saw_punctuation;
}

bool equal_nocase(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const CodePoint x = decode_utf8(a, i);
    const CodePoint y = decode_utf8(b, j);
    if (x.valid != y.valid) return false;
    if (x.valid ? lower_cp(x.value) != lower_cp(y.value) : a[i] != b[j]) return false;
    i += x.length;
    j += y.length;
  }
  return i == a.size() && j == b.size();
}

std::string quoted(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint d = decode_utf8(s, i);
    if (!d.valid || d.value < 0x20 || d.value == 0x7F) {
      append_hex_escape(out, static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    out.append(s.substr(i, d.length));
    i += d.length;
  }
  out.push_back('"');
}

}  // namespace text

std::optional<std::string> illegal_name_reason(std::string_view utf8_name) {
  std::size_t chars = 0;
  bool blank = true;
  bool colon = false;
  std::string control;  // the first control character
  std::string outside;  // the first character outside ISO-8859-1
  for (std::size_t i = 0; i < utf8_name.size();) {
    const text::CodePoint d = text::decode_utf8(utf8_name, i);
    if (!d.valid) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "not valid UTF-8 (byte 0x%02X at offset %zu)",
                    static_cast<unsigned>(static_cast<unsigned char>(utf8_name[i])), i);
      return buf;
    }
    const char32_t cp = d.value;
    ++chars;
    if (cp == ':') colon = true;
    if (!text::is_space(cp)) blank = false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      if (control.empty()) control = text::code_point_label(cp);
    } else if (cp > 0xFF && outside.empty()) {
      // Appended piece by piece: `"\"" + std::string(...)` trips GCC 12's -Wrestrict false
      // positive in libstdc++'s operator+ (const char*, string&&) at -O3.
      outside.push_back('"');
      outside.append(utf8_name.substr(i, d.length));
      outside.append("\" (").append(text::code_point_label(cp)).push_back(')');
    }
    i += d.length;
  }
  if (chars == 0) return "empty";
  std::vector<std::string> reasons;
  if (blank) reasons.push_back("blank (white space only)");
  if (colon) reasons.push_back("contains ':' (the job separator)");
  if (!outside.empty()) reasons.push_back("character " + outside + " is outside ISO-8859-1");
  if (!control.empty()) reasons.push_back("control character " + control);
  if (chars > text::kMaxNameChars) {
    reasons.push_back(std::to_string(chars) + " characters, at most " +
                      std::to_string(text::kMaxNameChars));
  }
  if (reasons.empty()) return std::nullopt;
  std::string joined = reasons.front();
  for (std::size_t i = 1; i < reasons.size(); ++i) joined += "; " + reasons[i];
  return joined;
}

std::vector<NearKind> near_kinds(std::string_view a, std::string_view b) {
  using text::fold;
  using text::fold_bit;
  using text::PunctuationAs;
  if (a == b) return {};
  const text::Folds effective = text::effective_folds(a) | text::effective_folds(b);
  thread_local std::string x, y;
  // The commonest near miss, answered with two folds instead of a dozen. No other fold erases
  // case, so this is what the full test says too (bar "x X" / "X x", where case is truer).
  if ((effective & fold_bit(NearKind::Case)) != 0) {
    fold(a, fold_bit(NearKind::Case), PunctuationAs::Nothing, x);
    fold(b, fold_bit(NearKind::Case), PunctuationAs::Nothing, y);
    if (x == y) return {NearKind::Case};
  }
  const bool punctuated = (effective & fold_bit(NearKind::Punctuation)) != 0;
  std::optional<std::vector<NearKind>> best;
  for (const PunctuationAs reading : {PunctuationAs::Nothing, PunctuationAs::Space}) {
    if (reading == PunctuationAs::Space && (!punctuated || (best && best->size() == 1))) break;
    const auto same_under = [&](text::Folds folds) {
      fold(a, folds, reading, x);
      fold(b, folds, reading, y);
      return x == y;
    };
    if (!same_under(text::kAllFolds)) continue;
    std::vector<NearKind> kinds;
    for (const NearKind kind : text::kAllKinds) {
      if ((effective & fold_bit(kind)) == 0) continue;
      if (!same_under(text::kAllFolds & ~fold_bit(kind))) kinds.push_back(kind);
    }
    if (kinds.empty()) {
      // Two kinds that each explain the whole difference: name every kind that changes a name.
      for (const NearKind kind : text::kAllKinds) {
        fold(a, fold_bit(kind), reading, x);
        fold(b, fold_bit(kind), reading, y);
        if (x != a || y != b) kinds.push_back(kind);
      }
    }
    if (!best || kinds.size() < best->size()) best = std::move(kinds);
  }
  return best.value_or(std::vector<NearKind>{});
}

}  // namespace qblink::reconcile

#pragma once
// Internal to reconcile/: UTF-8 decoding and the folding of names that near matching is built on.
// The snapshot index and near_kinds() share fold() so that what the index calls near and what
// near_kinds() explains can never disagree.
#include <cstddef>
#include <string>
#include <string_view>

#include "reconcile/reconcile.h"

namespace qblink::reconcile::text {

// A set of NearKind: the differences a fold ignores.
using Folds = unsigned;
constexpr Folds fold_bit(NearKind kind) { return 1u << static_cast<unsigned>(kind); }
constexpr Folds kAllFolds = (1u << 6) - 1;
constexpr NearKind kAllKinds[] = {NearKind::Case,      NearKind::Spaces,  NearKind::Punctuation,
                                  NearKind::Ampersand, NearKind::Accents, NearKind::WordOrder};

// What a folded-away punctuation mark becomes: nothing ("A.B.C." ~ "ABC") or a word break
// ("Smith-Jones" ~ "Smith Jones"). A name is near another under either reading.
enum class PunctuationAs { Nothing, Space };

// `s` with the differences in `folds` removed, written to `out` (cleared first). Invalid UTF-8
// bytes pass through as they are. Returns true when `s` holds punctuation that was folded, i.e.
// when the two PunctuationAs readings can differ.
bool fold(std::string_view s, Folds folds, PunctuationAs punctuation, std::string& out);

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 1;  // bytes consumed; 1 for an invalid byte
  bool valid = false;
};
// Decodes the code point at s[i] (i < s.size()); rejects overlong forms, surrogates, > U+10FFFF.
CodePoint decode_utf8(std::string_view s, std::size_t i);

// QuickBooks' case-insensitive comparison (ASCII and Latin-1 letters).
bool equal_nocase(std::string_view a, std::string_view b);

// `s` in double quotes for a log line: control characters and invalid UTF-8 bytes become \xNN so
// that the line stays one line and valid UTF-8.
std::string quoted(std::string_view s);
void append_quoted(std::string& out, std::string_view s);

}  // namespace qblink::reconcile::text

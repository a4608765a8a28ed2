#pragma once
// Internal to reconcile/: the entity resolution behind rule 3's wider net (Snapshot::match).
//
// A name is normalised into canonical tokens, each layer remembered so that it can be named as
// evidence: legal-entity words and a leading "The" dropped, titles dropped, "&"/"and"/"+"
// dropped, initials joined ("J & M" -> "jm"), Mc/O' joined ("Mc Donald" -> "mcdonald"),
// business abbreviations and ordinals spelled out ("St" -> "street", "3rd" -> "third"),
// "Last, First" noted, a couple's given names ("John & Mary Smith") made optional.
//
// Two names are near when every distinctive token (one not in the generic-word list) of either
// is matched in the other (exactly, as singular/plural or possessive, by one typo - one edit,
// same first letter, words of 4+ letters - or as two words written as one), at least one
// matched token is distinctive (or every token matches), and they do not each carry a generic
// word the other lacks ("Kowalski Roofing" / "Kowalski Plumbing" are two businesses). Tokens are
// weighted by rarity in the snapshot (IDF), so agreeing on "Patterson" counts far more than on
// "Plumbing". The same email or phone makes a candidate whatever the names.
//
// Candidates are found through keys, never by comparing all pairs: the account's rarest
// distinctive token and its one-edit neighbours (a deletion index over the snapshot's words),
// the sorted-token fingerprint, the words run together, the email and the phone's last ten
// digits. A key shared by more entries than a block may hold is skipped.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/reconcile.h"

namespace qblink::reconcile::match {

struct Token {
  std::string text;  // canonical: lowercase ASCII, abbreviations and ordinals spelled out
  std::string raw;   // as written, lowercased, punctuation removed
  bool generic = false;
  bool optional = false;  // a couple's given name: may go unmatched
  bool possessive = false;
  double weight = 1;  // set by the index: rarity in the snapshot
};

struct Norm {
  std::vector<Token> tokens;
  std::string legal;  // removed legal-entity words as written ("ltd", "pty ltd")
  std::string title;  // removed title ("mrs")
  bool leading_the = false;
  bool last_first = false;  // "Kelly, Ann"
  bool couple = false;      // "John & Mary Smith"
  bool mc_spacing = false;  // "Mc Donald", "O Brien" joined
  bool hyphen = false;
  bool accents = false;  // held letters outside ASCII
  char initials = 0;     // how single letters were joined: '&', 'a' (and), ' '; 0 none
  char conjunction = 0;  // '&' (also '+') or 'a' ("and"), dropped
};

// `name` normalised into `out` (cleared first).
void normalise(std::string_view name, Norm& out);

// A candidate whose name folds to the same key (Snapshot::near): kinds, and as evidence their
// words; score 1 for the same bytes, 0.01 less per kind of difference.
Candidate fold_candidate(const QbEntry& entry, std::vector<NearKind> kinds);

// Digits of a phone number for comparison: the last ten, or all when seven to nine; "" else.
std::string phone_key(std::string_view phone);
// An email for comparison: trimmed and lowercased; "" when it is not an address.
std::string email_key(std::string_view email);

class Index {
 public:
  explicit Index(const std::vector<QbEntry>& entries);
  ~Index();
  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;

  std::vector<Candidate> find(const std::vector<QbEntry>& entries, const Account& account,
                              std::string_view name, std::size_t limit) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::reconcile::match

#include "reconcile/reconcile.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

#include "reconcile/match.h"
#include "reconcile/text.h"

namespace qblink::reconcile {

std::string_view to_string(AccountKind kind) {
  switch (kind) {
    case AccountKind::Customer:
      return "customer";
    case AccountKind::Supplier:
      return "supplier";
  }
  return "unknown";
}

std::string_view to_string(QbList list) {
  switch (list) {
    case QbList::Customer:
      return "customer";
    case QbList::Vendor:
      return "vendor";
    case QbList::Employee:
      return "employee";
    case QbList::OtherName:
      return "other name";
  }
  return "unknown";
}

QbList list_for(AccountKind kind) {
  return kind == AccountKind::Supplier ? QbList::Vendor : QbList::Customer;
}

std::string_view to_string(NearKind kind) {
  switch (kind) {
    case NearKind::Case:
      return "case";
    case NearKind::Spaces:
      return "spaces";
    case NearKind::Punctuation:
      return "punctuation";
    case NearKind::Ampersand:
      return "& vs and";
    case NearKind::Accents:
      return "accents";
    case NearKind::WordOrder:
      return "word order";
  }
  return "unknown";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Linked:
      return "linked";
    case Outcome::Renamed:
      return "renamed";
    case Outcome::Review:
      return "review";
    case Outcome::New:
      return "new";
  }
  return "unknown";
}

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::StillLinked:
      return "still linked";
    case Reason::RenamedInQuickBooks:
      return "renamed in QuickBooks";
    case Reason::LinkedEntryGone:
      return "linked entry gone";
    case Reason::ExactAccountingName:
      return "exact accounting name";
    case Reason::ExactName:
      return "exact name";
    case Reason::NearMatch:
      return "near match";
    case Reason::NotFoundInQuickBooks:
      return "not found in QuickBooks";
    case Reason::NameUsedByOtherList:
      return "name used by another QuickBooks list";
    case Reason::IllegalName:
      return "illegal name";
    case Reason::NoMatch:
      return "no match";
    case Reason::DeclaredNew:
      return "declared new";
    case Reason::SameNameAsNewAccount:
      return "same name as another new account";
  }
  return "unknown";
}

bool is_strong(const Candidate& candidate) { return candidate.score >= kStrongScore; }

namespace {

using text::quoted;

// Best first (ties: the account's own list first, then as found), and the promise of
// kStrongScore kept: only a top candidate in the own list, clear of the next by kStrongMargin.
void rank(std::vector<Candidate>& cs, QbList own) {
  std::stable_sort(cs.begin(), cs.end(), [own](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    return (a.list == own) > (b.list == own);
  });
  constexpr double kBelowStrong = kStrongScore - 0.01;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const bool strong = i == 0 && cs[i].list == own &&
                        (cs.size() == 1 || cs[1].score <= cs[0].score - kStrongMargin);
    if (!strong) cs[i].score = std::min(cs[i].score, kBelowStrong);
  }
}

// The top candidate's evidence for the detail line: at most three phrases.
std::string evidence_text(const Candidate& c) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(c.evidence.size(), 3);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += c.evidence[i];
  }
  return out;
}

std::string kinds_text(const std::vector<NearKind>& kinds) {
  std::string out;
  for (const NearKind kind : kinds) {
    if (!out.empty()) out += ", ";
    out += to_string(kind);
  }
  return out;
}

// `customer "Acme Ltd" (case, inactive)`: enough for the admin to find the entry.
std::string describe(const Candidate& c, bool with_list) {
  std::string out;
  if (with_list) {
    out += to_string(c.list);
    out += ' ';
  }
  out += quoted(c.full_name);
  std::string notes = kinds_text(c.kinds);
  if (!c.is_active) notes += notes.empty() ? "inactive" : ", inactive";
  if (!notes.empty()) out += " (" + notes + ")";
  return out;
}

std::string more_text(std::size_t count) {
  if (count <= 1) return "";
  return " (+" + std::to_string(count - 1) + " more)";
}

// `capacity`: a guess at the rest of the detail, to build it with a single allocation.
Decision& start(Decision& d, Outcome outcome, Reason reason, std::size_t capacity = 64) {
  d.outcome = outcome;
  d.reason = reason;
  const std::string_view word = to_string(reason);
  d.detail.reserve(word.size() + capacity);
  d.detail = word;
  return d;
}

// The hot path (most accounts of a linked tenant end here): the detail is built in place.
Decision linked(Decision d, const QbEntry& e, Reason reason) {
  start(d, Outcome::Linked, reason, e.full_name.size() + e.list_id.size() + 24);
  d.list_id = e.list_id;
  d.full_name = e.full_name;
  d.detail += ": ";
  text::append_quoted(d.detail, e.full_name);
  d.detail += " (ListID ";
  d.detail += e.list_id;
  d.detail += e.is_active ? ")" : ", inactive)";
  return d;
}

// `near match (case, spaces): "Acme  Plumbing" ~ "ACME Plumbing"`: the evidence of the first
// candidate leads (for a fold-equal name, its kinds), as the admin reads it first; a candidate
// of another list is named with its list.
Decision near_review(Decision d, QbList own, std::string_view name,
                     std::vector<Candidate> candidates) {
  start(d, Outcome::Review, Reason::NearMatch);
  rank(candidates, own);
  const Candidate& first = candidates.front();
  d.detail += " (" + evidence_text(first) + "): " + quoted(name) + " ~ " +
              (first.list == own ? quoted(first.full_name) : describe(first, true)) +
              more_text(candidates.size());
  d.candidates = std::move(candidates);
  return d;
}

Decision other_list_review(Decision d, QbList own, std::string_view name,
                           std::vector<Candidate> candidates) {
  start(d, Outcome::Review, Reason::NameUsedByOtherList);
  rank(candidates, own);
  d.detail += ": " + quoted(name) + " ~ " + describe(candidates.front(), true) +
              more_text(candidates.size());
  d.candidates = std::move(candidates);
  return d;
}

Decision decide_linked(Decision d, QbList list, const Account& a, const Snapshot& qb) {
  if (const QbEntry* e = qb.by_list_id(list, a.list_id)) {
    // With no accounting name recorded there is nothing to rename: the caller fills it in.
    if (a.accounting_name.empty() || a.accounting_name == e->full_name) {
      return linked(std::move(d), *e, Reason::StillLinked);
    }
    start(d, Outcome::Renamed, Reason::RenamedInQuickBooks);
    d.list_id = e->list_id;
    d.full_name = e->full_name;
    d.detail += ": " + quoted(a.accounting_name) + " -> " + quoted(e->full_name) + " (ListID " +
                e->list_id + ")";
    return d;
  }
  // Deleted or merged away: offer what still carries the name, never relink silently.
  start(d, Outcome::Review, Reason::LinkedEntryGone);
  const std::string& name = a.accounting_name.empty() ? a.name : a.accounting_name;
  d.candidates = qb.near(list, name);
  rank(d.candidates, list);
  d.detail += ": ListID " + a.list_id + " (" + quoted(name) + ") is no longer in the QuickBooks " +
              std::string(to_string(list)) + " list";
  if (!d.candidates.empty()) d.detail += "; candidate " + describe(d.candidates.front(), false);
  d.detail += more_text(d.candidates.size());
  return d;
}

// Rule 9: the admin rejected the suggestions, so near matches are moot; only a case-insensitive
// clash (QuickBooks' own uniqueness rule, a 3100) still stops the add.
Decision decide_declared_new(Decision d, QbList list, const std::string& name, const Snapshot& qb) {
  if (auto why = illegal_name_reason(name)) {
    start(d, Outcome::Review, Reason::IllegalName);
    d.detail += ": " + quoted(name) + ": " + *why;
    return d;
  }
  std::vector<Candidate> same, other;
  for (const QbEntry* e : qb.by_name_nocase(name)) {
    Candidate c = match::fold_candidate(*e, near_kinds(name, e->full_name));
    (e->list == list ? same : other).push_back(std::move(c));
  }
  if (!other.empty()) return other_list_review(std::move(d), list, name, std::move(other));
  if (!same.empty()) return near_review(std::move(d), list, name, std::move(same));
  start(d, Outcome::New, Reason::DeclaredNew);
  d.full_name = name;
  d.detail += ": will add " + quoted(name);
  return d;
}

}  // namespace

Decision decide(AccountKind kind, const Account& account, const Snapshot& qb) {
  Decision d;
  d.account_id = account.account_id;
  const QbList list = list_for(kind);
  if (!account.list_id.empty()) return decide_linked(std::move(d), list, account, qb);

  const bool has_accounting_name = !account.accounting_name.empty();
  const std::string& name = has_accounting_name ? account.accounting_name : account.name;
  // Rules 2 and 5; an inactive entry still owns its name, so it links rather than being re-added.
  if (const QbEntry* e = qb.by_full_name(list, name)) {
    return linked(std::move(d), *e,
                  has_accounting_name ? Reason::ExactAccountingName : Reason::ExactName);
  }
  if (account.declared_new) return decide_declared_new(std::move(d), list, name, qb);

  // Rules 3 and 7: anything near in our list can be accepted; near or equal in another list
  // blocks the name (QuickBooks compares case-insensitively across all four lists). A name that
  // folds to the same key is the answer: the wider net is not cast then.
  std::vector<Candidate> same, other;
  for (Candidate& c : qb.near_any(name)) (c.list == list ? same : other).push_back(std::move(c));
  if ((!same.empty() || !other.empty()) && (!account.email.empty() || !account.phone.empty())) {
    // The same email or phone under another name is shown beside the namesake.
    for (Candidate& c : qb.match(account, name)) {
      const auto known = [&](const Candidate& k) {
        return k.list == c.list && k.list_id == c.list_id;
      };
      const bool contact =
          std::any_of(c.evidence.begin(), c.evidence.end(),
                      [](const std::string& e) { return e == "same email" || e == "same phone"; });
      if (!contact || std::any_of(same.begin(), same.end(), known) ||
          std::any_of(other.begin(), other.end(), known)) {
        continue;
      }
      (c.list == list ? same : other).push_back(std::move(c));
    }
  }
  if (!same.empty()) return near_review(std::move(d), list, name, std::move(same));
  if (!other.empty()) return other_list_review(std::move(d), list, name, std::move(other));
  // Rule 3's wider net: probably the same customer (any list), never linked by itself.
  if (std::vector<Candidate> likely = qb.match(account, name); !likely.empty()) {
    return near_review(std::move(d), list, name, std::move(likely));
  }

  if (has_accounting_name) {  // rule 4: the admin typed a name QuickBooks lacks; do not guess
    start(d, Outcome::Review, Reason::NotFoundInQuickBooks);
    d.detail += ": accounting name " + quoted(name) + " is not in the QuickBooks " +
                std::string(to_string(list)) + " list";
    return d;
  }
  if (auto why = illegal_name_reason(name)) {  // rule 6: never truncate
    start(d, Outcome::Review, Reason::IllegalName);
    d.detail += ": " + quoted(name) + ": " + *why;
    return d;
  }
  start(d, Outcome::New, Reason::NoMatch, name.size() + 16);
  d.full_name = name;
  d.detail += ": will add ";
  text::append_quoted(d.detail, name);
  return d;
}

std::vector<Decision> reconcile(AccountKind kind, const std::vector<Account>& accounts,
                                const Snapshot& qb) {
  std::vector<Decision> out;
  out.reserve(accounts.size());
  // Every New decision by the hash of its name ignoring case. Sorted, equal names sit together,
  // earliest first; equal hashes are confirmed with equal_nocase.
  std::vector<std::pair<std::size_t, std::size_t>> adding;
  std::string lowered;
  for (const Account& account : accounts) {
    out.push_back(decide(kind, account, qb));
    const Decision& d = out.back();
    if (d.outcome != Outcome::New) continue;
    text::fold(d.full_name, text::fold_bit(NearKind::Case), text::PunctuationAs::Nothing, lowered);
    adding.emplace_back(std::hash<std::string>{}(lowered), out.size() - 1);
  }
  std::sort(adding.begin(), adding.end());
  std::vector<std::size_t> kept;  // within one hash: the first decision of each distinct name
  for (std::size_t g = 0; g < adding.size();) {
    std::size_t end = g;
    while (end < adding.size() && adding[end].first == adding[g].first) ++end;
    kept.clear();
    for (std::size_t i = g; i < end; ++i) {
      Decision& d = out[adding[i].second];
      const auto same = [&](std::size_t k) {
        return text::equal_nocase(out[k].full_name, d.full_name);
      };
      const auto first = std::find_if(kept.begin(), kept.end(), same);
      if (first == kept.end()) {
        kept.push_back(adding[i].second);
        continue;
      }
      // QuickBooks would see one name twice: the second add would fail (3100) or, worse,
      // collide with the first in flight. Only the earliest account goes ahead.
      const Decision& earlier = out[*first];
      const std::string name = std::move(d.full_name);
      const std::string id = std::move(d.account_id);
      d = Decision{};
      d.account_id = id;
      start(d, Outcome::Review, Reason::SameNameAsNewAccount);
      d.detail += ": " + quoted(name) + " is also added for account " + quoted(earlier.account_id) +
                  " as " + quoted(earlier.full_name);
    }
    g = end;
  }
  return out;
}

std::size_t utf8_error_at(std::string_view s, bool* multibyte) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    if (multibyte) *multibyte = true;
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace qblink::reconcile

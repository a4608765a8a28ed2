#pragma once
// The rules of reconciliation (design.md section 2) as pure functions: no I/O, no clocks, no XML
// or SQL. Given an account list and a snapshot of QuickBooks names, decide per account:
// linked, renamed (still linked), review (with the kind of near miss), or new.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qblink::reconcile {

// Which of the app's lists an account belongs to.
enum class AccountKind { Customer, Supplier };
std::string_view to_string(AccountKind kind);  // "customer", "supplier"

// QuickBooks' name lists; names are unique case-insensitively across all four.
enum class QbList { Customer, Vendor, Employee, OtherName };
std::string_view to_string(QbList list);  // "customer", "vendor", "employee", "other name"
QbList list_for(AccountKind kind);        // Customer -> Customer, Supplier -> Vendor

struct QbEntry {
  QbList list = QbList::Customer;
  std::string list_id;
  std::string full_name;  // "Parent:Job" for jobs; the Name elsewhere
  std::string name;       // the last segment
  bool is_active = true;
  // Contact fields (CustomerRet/VendorRet), evidence for near matches (rule 3); may be empty.
  // Brace-initialised so that `QbEntry{list, id, full, name, active}` stays warning-free.
  std::string company_name{};
  std::string first_name{};
  std::string last_name{};
  std::string phone{};
  std::string alt_phone{};
  std::string email{};
  std::string addr1{};
  std::string postal_code{};
};

struct Account {
  std::string account_id;
  std::string name;             // the app's name for the account
  std::string accounting_name;  // the "Accounting Setup" field: an exact QuickBooks FullName, or ""
  std::string list_id;          // set once linked
  bool declared_new =
      false;  // the admin said `review reject`: create it, do not look for near matches
  // Contact fields from the app, evidence for near matches (rule 3); may be empty.
  std::string company_name{};
  std::string first_name{};
  std::string last_name{};
  std::string phone{};
  std::string email{};
  std::string addr1{};
  std::string postal_code{};
};

// Why two names are near, not equal. Several can apply at once.
enum class NearKind { Case, Spaces, Punctuation, Ampersand, Accents, WordOrder };
// "case", "spaces", "punctuation", "& vs and", "accents", "word order"
std::string_view to_string(NearKind kind);

// A QuickBooks entry shown to the admin. Only a candidate in the account's own list can be
// accepted (linked); one in another list explains why the name cannot be created.
struct Candidate {
  QbList list = QbList::Customer;
  std::string list_id;
  std::string full_name;
  bool is_active = true;
  // The NearKind differences when the names fold to the same key; empty for an exact
  // (case-sensitive) hit, and for a candidate found by the wider rules of rule 3 (evidence says).
  std::vector<NearKind> kinds;
  // 0..1, higher = more likely the same customer. See kStrongScore for what decide() promises.
  double score = 0;
  // Human phrases, strongest first: "same email", "legal suffix differs (Ltd)", "one letter
  // differs in Patterson", "extra generic word 'Supply'"... For a fold-equal name, the kinds.
  std::vector<std::string> evidence{};
};

// A *strong* candidate (`review accept --all-strong` may link it without a look): decide() gives
// a score of kStrongScore or more only to the top candidate of a review, only when it is in the
// account's own QuickBooks list and every other candidate scores at least kStrongMargin less;
// any other candidate is capped just below kStrongScore. Scores reach 0.9 only for names that
// differ by folding and normalisation alone (case, spacing, punctuation, legal suffix, "The",
// abbreviations, titles, name order...) or such a name with the same email or phone: a typo, an
// extra word or a contact-only match stays below.
inline constexpr double kStrongScore = 0.9;
inline constexpr double kStrongMargin = 0.1;
bool is_strong(const Candidate& candidate);

enum class Outcome {
  Linked,   // linked (or still linked) to list_id
  Renamed,  // still linked by ListID, but QuickBooks' FullName changed: update accounting name
  Review,   // held for the admin, with candidates and reason
  New,      // to be added under full_name
};
std::string_view to_string(Outcome outcome);

enum class Reason {
  StillLinked,           // ListID still in QuickBooks
  RenamedInQuickBooks,   // ListID still there, FullName changed
  LinkedEntryGone,       // ListID no longer in QuickBooks (deleted or merged): review
  ExactAccountingName,   // accounting name byte-equal to a FullName
  ExactName,             // no accounting name; the account's own name byte-equal to a FullName
  NearMatch,             // review: a QuickBooks entry is probably the same (rule 3)
  NotFoundInQuickBooks,  // accounting name set, nothing matches at all: review, we do not guess
  NameUsedByOtherList,   // the name (case-insensitively) belongs to another QuickBooks list: review
  IllegalName,           // too long, ':' or a character outside ISO-8859-1: review, never truncated
  NoMatch,               // new
  DeclaredNew,           // new because the admin rejected the suggestions
  SameNameAsNewAccount,  // review: an earlier account of this run adds the same name (ignoring
                         // case)
};
std::string_view to_string(Reason reason);

// full_name: Linked/Renamed, the current QuickBooks FullName (for StillLinked too, so the caller
// can fill an empty accounting name); New, the name to add, exactly as it will be sent; Review, "".
struct Decision {
  std::string account_id;
  Outcome outcome = Outcome::Review;
  Reason reason = Reason::NoMatch;
  std::string list_id;                // Linked / Renamed
  std::string full_name;              // see above
  std::vector<Candidate> candidates;  // Review: the QuickBooks entries concerned
  // One line for the sync log, led by the reason's word, e.g.
  // `near match (case, spaces): "Acme  Plumbing" ~ "ACME Plumbing"` or
  // `near match (legal suffix differs (Ltd)): "Acme Plumbing" ~ "Acme Plumbing Ltd" (+1 more)`:
  // for a near match, the top candidate's evidence (at most three phrases), and its list when it
  // is not the account's own. Names are quoted, with
  // control characters and invalid UTF-8 bytes as \xNN so the line stays one valid UTF-8 line.
  std::string detail;
};

// An index over QuickBooks' names, built once per reconcile run (100k entries in about 0.2 s,
// most of it the match index behind match()).
// An entry with only a Name (VendorRet) gets it as FullName, and the reverse. Immutable once
// built: const members may be called from several threads (their scratch is thread-local).
class Snapshot {
 public:
  explicit Snapshot(std::vector<QbEntry> entries);
  ~Snapshot();
  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;

  const QbEntry* by_list_id(QbList list, std::string_view list_id) const;
  const QbEntry* by_full_name(QbList list, std::string_view full_name) const;  // byte-exact
  // Entries of any list whose top-level name equals `name` ignoring case (QuickBooks' rule).
  std::vector<const QbEntry*> by_name_nocase(std::string_view name) const;
  // Near candidates in `list`, with the kinds of difference filled in (see near_kinds); an entry
  // byte-equal to `name` comes back too, with empty kinds. In snapshot order.
  std::vector<Candidate> near(QbList list, std::string_view name) const;
  // The same over all four lists.
  std::vector<Candidate> near_any(std::string_view name) const;
  // Rule 3's wider net, over all four lists' top-level entries: names a bookkeeper would call
  // "probably the same" (legal suffix, "The", abbreviations, ordinals, possessives, Mc/O'
  // spacing, initials, person-name forms and titles, QuickBooks' CompanyName/FirstName/LastName,
  // a typo in a word, an extra or missing generic word) or the same email or phone. `name` is
  // the name decide() matches (accounting name, else the app name); the account's other names
  // and contact fields count too. Scored, with evidence, best first, at most `limit`. Indexed
  // (rare tokens, their one-edit neighbours, fingerprint keys, email, phone): never all pairs.
  std::vector<Candidate> match(const Account& account, std::string_view name,
                               std::size_t limit = 5) const;
  std::size_t size() const;

 private:
  struct Index;
  std::vector<QbEntry> entries_;
  std::unique_ptr<Index> index_;
};

// Why a name cannot be created in QuickBooks, or nullopt when it can: valid UTF-8, not empty or
// blank, no ':', only ISO-8859-1 and no control characters (they cannot travel in qbXML), at most
// 41 characters (code points, not bytes). Every reason that applies, joined by "; ".
std::optional<std::string> illegal_name_reason(std::string_view utf8_name);

// Offset of the first byte that does not start a valid UTF-8 sequence (overlong forms,
// surrogates and values past U+10FFFF included), or npos. `multibyte` is set when a valid
// sequence of two or more bytes comes before it. Shared by imports (CSV, API) and the admin's
// checks, so that every front end calls the same text valid.
std::size_t utf8_error_at(std::string_view text, bool* multibyte = nullptr);

// The kinds of difference between two names, or empty when they are not near (or equal).
// Near: equal once case, white space, punctuation, "&"/"and", accents and word order are all
// folded away (punctuation either deleted, "A.B." ~ "AB", or read as a space, "Smith-Jones" ~
// "Smith Jones"). A kind is listed when folding everything but it leaves the names different.
std::vector<NearKind> near_kinds(std::string_view a, std::string_view b);

// One account against the snapshot; `kind` picks the QuickBooks list.
Decision decide(AccountKind kind, const Account& account, const Snapshot& qb);
// All accounts, in order; a New account whose name equals (ignoring case) that of an earlier New
// account of this run goes to review (SameNameAsNewAccount): QuickBooks would see one name twice.
// Customers and suppliers are separate runs; a clash between them surfaces as a 3100 (rule 7).
std::vector<Decision> reconcile(AccountKind kind, const std::vector<Account>& accounts,
                                const Snapshot& qb);

}  // namespace qblink::reconcile

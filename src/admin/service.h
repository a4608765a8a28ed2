#pragma once
// The admin's decisions as one application service: review (accept, reject, in bulk), accounting
// names, account upserts and the approval gate on adds. The CLI, the JSON API and the console all
// call this; none of them holds a rule of its own (docs/ARCHITECTURE.md). Every decision is
// written to the tenant's sync log (run 0: decisions made outside a Web Connector run).
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "reconcile/reconcile.h"
#include "store/store.h"

namespace qblink::admin {

// What went wrong, by kind, so that each front end can answer in its own terms (an exit code, a
// problem+json type, a message on the page).
enum class ErrorKind { NotFound, Conflict, Invalid };
struct Error : std::runtime_error {
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind(kind) {}
  ErrorKind kind;
};

using Clock = std::function<std::int64_t()>;  // unix seconds

// A review candidate as stored with the account (sync/work.cpp writes them).
struct Candidate {
  reconcile::QbList list = reconcile::QbList::Customer;
  std::string list_id, full_name;
  bool is_active = true;
  double score = 0;
  bool strong = false;  // reconcile::is_strong at the time it was found
  std::vector<std::string> evidence;
  // QuickBooks' contact fields of the entry: company_name, first_name, last_name, phone,
  // alt_phone, email, addr1, postal_code (empty when QuickBooks has none).
  std::vector<std::pair<std::string, std::string>> contact;
};

struct ReviewItem {
  store::AccountRow account;
  std::vector<Candidate> candidates;  // strongest first
};

enum class ReviewAction { Accept, Reject };
struct ReviewDecision {
  reconcile::AccountKind kind = reconcile::AccountKind::Customer;
  std::string account_id;
  ReviewAction action = ReviewAction::Accept;
  std::string list_id;  // Accept: which candidate ("" = the top one of the account's own list)
};

// One refused row of a batch (import, decisions, approvals): nothing of the batch was written.
struct RowError {
  std::size_t row = 0;  // 1-based position in the batch
  std::string account_id;
  std::string message;
};
struct BatchError : Error {
  BatchError(std::vector<RowError> rows, const std::string& what)
      : Error(ErrorKind::Invalid, what), rows(std::move(rows)) {}
  std::vector<RowError> rows;
};

struct UpsertCounts {
  std::size_t added = 0, updated = 0, unchanged = 0;
};

class Service {
 public:
  explicit Service(store::Store& store, Clock clock = nullptr);

  store::Tenant tenant(const std::string& user);  // Error NotFound naming the user
  // 0 = every add waits; store::kUnlimitedAdds = none waits, first run included.
  void set_auto_add_limit(const std::string& user, int limit);

  // Accounts. Validation is the CSV import's: every row is checked before anything is written;
  // one bad row writes nothing (BatchError with every bad row). dry_run checks and counts only.
  UpsertCounts upsert_accounts(const std::string& user, reconcile::AccountKind kind,
                               const std::vector<store::AccountRow>& rows, bool dry_run = false);
  // Why an account cannot be stored as given, or nullopt (shared with the CSV reader).
  static std::optional<std::string> invalid_account(const store::AccountRow& row);
  // The app's "Accounting Setup" field. A new name drops the old link; the next run links it
  // (exact) or holds it. The account's detail says which, from the QuickBooks lists of the last
  // sync (the console shows it after "type another exact QuickBooks name").
  store::AccountRow set_accounting_name(const std::string& user, reconcile::AccountKind kind,
                                        const std::string& account_id, const std::string& name);

  // Review (design rules 3, 4 and 9).
  std::vector<ReviewItem> review_queue(const std::string& user);
  // Links to the chosen (or top) candidate of the account's own list. Returns the account.
  store::AccountRow accept(const std::string& user, reconcile::AccountKind kind,
                           const std::string& account_id, const std::string& list_id = {});
  // Declares the account genuinely new. Refused at once (Conflict) when QuickBooks already uses
  // the name in any list, or (Invalid) when the name cannot be created: the next run would only
  // put it back in review.
  store::AccountRow reject(const std::string& user, reconcile::AccountKind kind,
                           const std::string& account_id);
  // Accepts every account whose top candidate is strong (reconcile::is_strong). Returns them.
  std::vector<store::AccountRow> accept_all_strong(const std::string& user);
  // All or nothing: every decision is checked first (BatchError lists the bad ones).
  std::size_t apply(const std::string& user, const std::vector<ReviewDecision>& decisions);

  // Adds awaiting approval (design rule 6).
  std::vector<store::OutboxRow> adds_awaiting(const std::string& user);
  // Approved adds are queued for the next run; rejected ones hold the account for review.
  // ids empty with all = every waiting add. All or nothing on unknown ids.
  std::size_t approve_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                           bool all = false);
  std::size_t reject_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                          bool all = false);

  // The app dropped the account's link (API DELETE): the link, review and any waiting add are
  // cleared; the account is pending and reconciled afresh on the next run. (api_ops.cpp)
  store::AccountRow unlink(const std::string& user, reconcile::AccountKind kind,
                           const std::string& account_id);

  // Webhooks (issue 10, webhooks.cpp): after each run the tenant's URL gets a signed POST.
  // The URL must be https://, or http:// to a loopback address (tests, a local relay). `secret`
  // empty = a new random one; otherwise at least 16 characters. Returns the webhook, secret
  // included: the only answer that shows it.
  store::Webhook set_webhook(const std::string& user, const std::string& url,
                             const std::string& secret = {});
  // The webhook (secret blanked) and its newest deliveries; nullopt when the tenant has none.
  struct WebhookView {
    store::Webhook hook;
    std::vector<store::Delivery> recent;  // newest first, bodies blanked
  };
  std::optional<WebhookView> webhook(const std::string& user, int recent = 10);
  // Drops the webhook and its pending deliveries; Error NotFound when there was none.
  void remove_webhook(const std::string& user);
  // Why a webhook URL is refused, or nullopt.
  static std::optional<std::string> invalid_webhook_url(const std::string& url);

 private:
  std::int64_t now() const;
  void log(store::Tx& tx, const store::Tenant& t, const std::string& kind,
           const store::AccountRow& account, const std::string& message);
  store::AccountRow accept_in(store::Tx& tx, const store::Tenant& t, store::AccountRow account,
                              const std::string& list_id);
  store::AccountRow reject_in(store::Tx& tx, const store::Tenant& t, store::AccountRow account,
                              const reconcile::Snapshot& snapshot);
  std::size_t decide_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                          bool all, bool approve);

  store::Store& store_;
  Clock clock_;
};

// Parses the candidates JSON stored with an account.
std::vector<Candidate> parse_candidates(const std::string& json);

}  // namespace qblink::admin

#pragma once
// The store: tenants, tickets and session state, accounts, the QuickBooks snapshot, the outbox of
// adds and the sync log. Two implementations behind one interface: SqliteStore (one machine, the
// default) and PostgresStore (pg_store.h: several instances on one database; any instance must
// be able to answer any call of any session, so session state lives here, never only in memory).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reconcile/reconcile.h"
#include "store/error.h"

namespace qblink::store {

using TenantId = std::int64_t;
using RunId = std::int64_t;

// An outbox row's id. A type of its own so that it cannot be passed where a run or tenant id is
// meant, and never without the tenant it belongs to (see Tx::outbox_row).
struct OutboxId {
  std::int64_t value = 0;
  bool operator==(const OutboxId&) const = default;
};

// Tenant::auto_add_limit: adds of one run sent without approval (design rule 6).
inline constexpr int kDefaultAutoAddLimit = 25;
inline constexpr int kUnlimitedAdds = -1;  // never wait, first run included

struct Tenant {
  TenantId id = 0;
  std::string username;
  std::string password_hash;  // argon2id, libsodium's encoded form
  std::string company_file;   // path to ask the Web Connector for, or "" for the open company
  std::string file_id;        // the .qwc FileID, generated once
  int failed_logins = 0;
  std::int64_t last_failed_at = 0;  // unix seconds
  // The company file the first successful run saw; later runs must see the same one.
  std::string known_file_id, known_company_name, known_company_path;
  // At most this many adds per run go without approval; 0 = every add waits; kUnlimitedAdds.
  int auto_add_limit = kDefaultAutoAddLimit;
};

enum class SessionStatus { Open, Closed, Superseded };

struct SessionRow {
  std::string ticket;
  TenantId tenant_id = 0;
  RunId run_id = 0;
  SessionStatus status = SessionStatus::Open;
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::string state;       // the session machine's state, serialized by sync/
  std::string last_error;  // what getLastError answers
};

// One of the app's accounts (a customer or a supplier) and what reconciliation made of it.
struct AccountRow {
  reconcile::AccountKind kind = reconcile::AccountKind::Customer;
  std::string account_id, name, accounting_name;
  std::string company_name, first_name, last_name, phone, email;
  std::string addr1, addr2, city, state, postal_code, country;
  std::string status = "pending";  // linked, new, pending, review, error
  std::string list_id, qb_full_name, reason, detail;
  std::string candidates;  // JSON array of review candidates
  bool declared_new = false;
  std::int64_t changed_at = 0;  // the tenant's change number of the last change (API polling)
};

// What an import or API upsert did to one account.
enum class UpsertResult { Added, Updated, Unchanged };

struct QbRow {
  reconcile::QbList list = reconcile::QbList::Customer;
  std::string list_id, full_name, name, parent_list_id, edit_sequence, time_modified;
  bool is_active = true;
  // Contact evidence for matching (design rule 3). Brace-initialised so that aggregate
  // initialisation of the fields above stays warning-free.
  std::string company_name{}, first_name{}, last_name{}, phone{}, alt_phone{}, email{}, addr1{},
      postal_code{};
};

// Queued -> Sent -> Confirmed. Sent with no answer -> InDoubt (re-queried before anything else).
// A 3100 answer -> Collided (queried once, then linked or sent to review; never retried).
// Cancelled: reconciliation found the account linked before the add was sent.
// Proposed: waits for the admin's approval (design rule 6); approved -> Queued, else Rejected.
// Stored as numbers: append, never reorder.
enum class AddState {
  Queued,
  Sent,
  Confirmed,
  InDoubt,
  Collided,
  Failed,
  Cancelled,
  Proposed,
  Rejected
};
std::string_view to_string(AddState state);

struct OutboxRow {
  OutboxId id;
  reconcile::AccountKind kind = reconcile::AccountKind::Customer;
  std::string account_id, name;
  AddState state = AddState::Queued;
  std::string list_id, error;
  RunId run_id = 0;
  std::string reason;  // why it is new (the reconcile detail), shown when approval is asked
  std::int64_t created_at = 0;
};

struct RunRow {
  RunId id = 0;
  TenantId tenant_id = 0;
  std::int64_t started_at = 0, ended_at = 0;
  std::string outcome;  // running, ok, failed, lost, nothing to do
  int linked = 0, added = 0, review = 0, errors = 0;
  std::int64_t records_fetched = 0;
  std::string summary;
};

struct EventRow {
  std::int64_t id = 0;
  RunId run_id = 0;
  std::int64_t at = 0;
  std::string level;  // info, warn, error
  std::string kind;   // e.g. linked, added, review, renamed, company, qbwc
  std::string account_kind, account_id, message;
};

// Per tenant and QuickBooks list: where the incremental fetch resumes.
struct ListMark {
  std::string max_time_modified;  // the newest TimeModified seen, as QuickBooks wrote it
  std::int64_t last_full_at = 0;  // unix seconds of the last complete snapshot (0 = never)
};

// An API token (issue 10): only its SHA-256 is stored. tenant_id empty = an installation admin
// token.
struct ApiToken {
  std::int64_t id = 0;
  std::optional<TenantId> tenant_id;
  std::string name, hash;
  std::int64_t created_at = 0, last_used_at = 0;
  bool revoked = false;
};

// A tenant's webhook (issue 10): after each run qblink POSTs the run's counts and changed
// accounts to `url`, signed with HMAC-SHA256 under `secret` (kept in clear: it signs).
struct Webhook {
  TenantId tenant_id = 0;
  std::string url, secret;
  std::int64_t created_at = 0;
};

// Pending -> Delivered (a 2xx answer), or -> Failed after the last attempt. Stored as numbers:
// append, never reorder.
enum class DeliveryState { Pending, Delivered, Failed };

// One webhook POST to make. The run queues it with the range of account change numbers the
// run covered; the sender writes the body on the first attempt and keeps it, so every retry
// sends the same bytes (each signed afresh with its own timestamp).
struct Delivery {
  std::int64_t id = 0;
  TenantId tenant_id = 0;
  RunId run_id = 0;
  std::int64_t changed_after = 0, changed_upto = 0;  // accounts with a change number in (a, b]
  std::string body;                                  // "" until the first attempt
  DeliveryState state = DeliveryState::Pending;
  int attempts = 0;
  std::int64_t next_at = 0;  // unix seconds: not tried before
  std::int64_t created_at = 0;
  int last_status = 0;  // HTTP status of the last attempt, 0 when it got no answer
  std::string last_error;
};

class Store;

// Failure injection (test seam, see Store::set_fault_injector): counts SQL statements and fails
// the `fail_at`-th (1-based; 0 = none) exactly once.
struct FaultInjector {
  std::atomic<std::int64_t> fail_at{0};
  std::atomic<std::int64_t> statements{0};  // counted so far
  std::atomic<std::int64_t> failures{0};    // injected so far
};

// A unit of work on one connection. Writes happen inside begin(true)'s transaction, which
// commit() ends; destroying it uncommitted rolls everything back.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual void commit() = 0;

  // Serialises everything one tenant owns across threads, processes and instances: blocks until
  // no other write transaction holds the tenant, and holds it until this one ends. Call it in a
  // write transaction before reading what the call decides on. PostgreSQL: a transaction-scoped
  // advisory lock (its tenant-keyed writes also take it themselves); SQLite: nothing to do,
  // BEGIN IMMEDIATE already serialises the whole database.
  virtual void lock_tenant(TenantId tenant) = 0;

  // Installation
  virtual std::string owner_id() = 0;  // generated once per database, then stable

  // Tenants
  virtual std::optional<Tenant> tenant_by_name(const std::string& username) = 0;
  virtual std::optional<Tenant> tenant(TenantId id) = 0;
  virtual std::vector<Tenant> tenants() = 0;
  virtual TenantId add_tenant(const Tenant& tenant) = 0;
  virtual bool remove_tenant(TenantId id) = 0;
  virtual void set_password_hash(TenantId id, const std::string& hash) = 0;
  virtual void set_login_failures(TenantId id, int count, std::int64_t at) = 0;
  // Adds one failed login atomically; returns the new count.
  virtual int record_login_failure(TenantId id, std::int64_t at) = 0;
  virtual void set_auto_add_limit(TenantId id, int limit) = 0;
  virtual void set_company_identity(TenantId id, const std::string& file_id,
                                    const std::string& name, const std::string& path) = 0;

  // Sessions
  virtual void create_session(const SessionRow& row) = 0;
  virtual std::optional<SessionRow> session(const std::string& ticket) = 0;
  virtual void save_session(const SessionRow& row) = 0;
  // Marks every open session of the tenant superseded; returns their tickets.
  virtual std::vector<std::string> supersede_sessions(TenantId tenant) = 0;
  virtual void delete_sessions_before(std::int64_t last_seen_before) = 0;

  // Runs and the sync log
  virtual RunId start_run(TenantId tenant, std::int64_t now) = 0;
  virtual void finish_run(const RunRow& run) = 0;
  virtual std::optional<RunRow> run(RunId id) = 0;
  virtual std::vector<RunRow> runs(TenantId tenant, int limit) = 0;
  // Runs of the tenant still "running" (their session was lost, expired or superseded) become
  // "abandoned", ended now.
  virtual int abandon_runs(TenantId tenant, std::int64_t now) = 0;
  virtual void add_event(TenantId tenant, const EventRow& event) = 0;
  virtual std::vector<EventRow> events(RunId run) = 0;

  // Accounts
  // Import and API: the app's fields. A changed accounting name drops the old link or review
  // (the account is reconciled afresh on the next run).
  virtual UpsertResult upsert_account(TenantId tenant, const AccountRow& row) = 0;
  virtual void save_account_state(TenantId tenant, const AccountRow& row) = 0;  // reconcile result
  // Links an account to a QuickBooks entry; an empty accounting name becomes the FullName.
  virtual void link_account(TenantId tenant, reconcile::AccountKind kind,
                            const std::string& account_id, const std::string& list_id,
                            const std::string& full_name, const std::string& reason,
                            const std::string& detail) = 0;
  virtual std::optional<AccountRow> account(TenantId tenant, reconcile::AccountKind kind,
                                            const std::string& account_id) = 0;
  // Every account of `kind`, by account_id, handed over one at a time: reconciliation keeps
  // only what it needs of each, not a second copy of the whole list (issue 13). `each` must not
  // call this Tx.
  virtual void for_each_account(TenantId tenant, reconcile::AccountKind kind,
                                const std::function<void(AccountRow&&)>& each) = 0;
  std::vector<AccountRow> accounts(TenantId tenant, reconcile::AccountKind kind);
  virtual std::int64_t account_count(TenantId tenant) = 0;
  virtual std::int64_t account_count(TenantId tenant, const std::string& status) = 0;

  // QuickBooks snapshot
  virtual void upsert_entries(TenantId tenant, const std::vector<QbRow>& rows, RunId seen_in) = 0;
  // After a complete (non-incremental) fetch: entries of `list` not seen in this run are gone.
  virtual int delete_unseen(TenantId tenant, reconcile::QbList list, RunId run) = 0;
  virtual void for_each_entry(TenantId tenant, const std::function<void(QbRow&&)>& each) = 0;
  std::vector<QbRow> entries(TenantId tenant);
  virtual ListMark list_mark(TenantId tenant, reconcile::QbList list) = 0;
  virtual void set_list_mark(TenantId tenant, reconcile::QbList list, const ListMark& mark) = 0;

  // Outbox of adds
  // Queues an add (row.state Queued, or Proposed to wait for approval) unless one for this
  // account is already queued, proposed, sent, in doubt or collided.
  virtual bool enqueue_add(TenantId tenant, const OutboxRow& row) = 0;
  virtual std::vector<OutboxRow> outbox(TenantId tenant, AddState state, int limit) = 0;
  // Both take the tenant: a row id alone never reaches another tenant's row. set_add_state
  // returns false when no row of that tenant has the id.
  virtual bool set_add_state(TenantId tenant, OutboxId id, AddState state, RunId run,
                             const std::string& list_id, const std::string& error) = 0;
  virtual std::optional<OutboxRow> outbox_row(TenantId tenant, OutboxId id) = 0;
  // Every add of the tenant left Sent by an earlier session becomes InDoubt; returns how many.
  virtual int mark_sent_in_doubt(TenantId tenant) = 0;
  // Cancels a queued or proposed add of this account (reconciliation linked or held it).
  virtual void cancel_queued_add(TenantId tenant, reconcile::AccountKind kind,
                                 const std::string& account_id) = 0;
  virtual std::int64_t count_adds(TenantId tenant, AddState state) = 0;
  // The state of the account's newest outbox row, if it has one.
  virtual std::optional<AddState> last_add_state(TenantId tenant, reconcile::AccountKind kind,
                                                 const std::string& account_id) = 0;

  // API tokens (issue 10). `tenant` empty = the installation's admin tokens.
  virtual std::int64_t add_api_token(const ApiToken& token) = 0;
  virtual std::optional<ApiToken> api_token_by_hash(const std::string& hash) = 0;
  virtual std::vector<ApiToken> api_tokens(std::optional<TenantId> tenant) = 0;
  // False when no token of that owner has the id.
  virtual bool revoke_api_token(std::optional<TenantId> tenant, std::int64_t id) = 0;
  virtual void touch_api_token(std::int64_t id, std::int64_t at) = 0;

  // API reads. Accounts whose change number is above `after`, lowest first, at most `limit`;
  // `kind` empty = both kinds, `status` empty = any status.
  virtual std::vector<AccountRow> accounts_changed(TenantId tenant, std::int64_t after,
                                                   std::optional<reconcile::AccountKind> kind,
                                                   const std::string& status, int limit) = 0;
  // The events of one of the tenant's runs (run 0: its decisions outside any run).
  virtual std::vector<EventRow> tenant_events(TenantId tenant, RunId run) = 0;
  // The tenant's newest account change number (0 = none): what changed_since compares.
  virtual std::int64_t last_account_change(TenantId tenant) = 0;

  // Webhooks (issue 10): one per tenant, replaced by set_webhook.
  virtual std::optional<Webhook> webhook(TenantId tenant) = 0;
  virtual void set_webhook(const Webhook& hook) = 0;
  // Also drops the tenant's pending deliveries. False when it had none.
  virtual bool remove_webhook(TenantId tenant) = 0;
  virtual std::int64_t enqueue_delivery(const Delivery& delivery) = 0;
  // Pending deliveries due at `now` (oldest first, at most `limit`), each claimed by moving its
  // next_at to `lease_until`: another server on the same database skips them, and a delivery
  // whose server died is tried again once the lease ends.
  virtual std::vector<Delivery> claim_deliveries(std::int64_t now, std::int64_t lease_until,
                                                 int limit) = 0;
  // Stores an attempt's outcome: body, state, attempts, next_at, last_status, last_error.
  virtual void save_delivery(const Delivery& delivery) = 0;
  // The tenant's newest deliveries first.
  virtual std::vector<Delivery> deliveries(TenantId tenant, int limit) = 0;

  // What reconciliation reads, versioned (issue 13): a per-tenant count of the changes to its
  // accounts, to QuickBooks entries whose content changed (or that were added or deleted), to
  // its outbox and to its auto-add limit, as this transaction sees it (the committed count plus
  // this transaction's own changes, which commit() adds to it).
  virtual std::int64_t reconcile_inputs_version(TenantId tenant) = 0;
  // Opaque text sync/ stores after a reconciliation that changed nothing; "" before any.
  virtual std::string reconciled_stamp(TenantId tenant) = 0;
  virtual void set_reconciled_stamp(TenantId tenant, const std::string& stamp) = 0;

  // Whole-installation copy (store/copy.cpp, `qblink copy`): qblink's tables by name, their
  // columns, and rows as text (NULL = nullopt), ids included.
  using RawRow = std::vector<std::optional<std::string>>;
  virtual std::vector<std::string> raw_tables() = 0;
  virtual std::vector<std::string> raw_columns(const std::string& table) = 0;
  virtual std::int64_t raw_count(const std::string& table) = 0;
  virtual void raw_rows(const std::string& table, const std::vector<std::string>& columns,
                        const std::function<void(const RawRow&)>& each) = 0;
  virtual void raw_insert(const std::string& table, const std::vector<std::string>& columns,
                          const RawRow& row) = 0;
  // After rows were inserted with their ids: PostgreSQL moves each id sequence past the largest.
  virtual void raw_fix_sequences() = 0;
};

// Which database a Store talks to: a file (SQLite, one machine) or a PostgreSQL server (several
// instances behind a load balancer). Chosen by store::open from the --db text.
enum class Engine { Sqlite, Postgres };

struct OpenOptions {
  // Applies pending schema migrations on open (what a server and most commands want); false
  // leaves the schema alone (`qblink migrate` reports the version before it applies them).
  // Either way a schema newer than this build is refused.
  bool migrate = true;
};

// The store: begin() hands out transactions; the rest is schema and health. Implementations:
// SqliteStore (below) and PostgresStore (pg_store.cpp); store::open picks one.
class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual Engine engine() const = 0;
  // write = a write transaction: serialised like SQLite's BEGIN IMMEDIATE for everything one
  // tenant owns (see Tx::lock_tenant); read = a consistent snapshot.
  virtual std::unique_ptr<Tx> begin(bool write) = 0;
  virtual int schema_version() = 0;
  // Applies pending migrations (one transaction, safe when several instances start at once);
  // returns the version now. Throws store::Error for a schema newer than this build.
  virtual int migrate() = 0;
  // Readiness: nullopt when the database answers, is intact (quick check) and carries the schema
  // this build expects; otherwise one line saying what is wrong. Never throws.
  virtual std::optional<std::string> check() = 0;
  // The database as given to open(), any password replaced (safe to log).
  virtual std::string describe() const = 0;

  struct PruneCounts {
    std::int64_t events = 0, runs = 0, batches = 0;
  };
  // Retention: deletes sync-log events older than `before` (unix seconds) and finished runs
  // that ended before it, at most `batch` rows per write transaction so that a server's calls
  // wait at most one small batch. Each tenant's newest run is kept whatever its age.
  virtual PruneCounts prune_log(std::int64_t before, int batch = 1000) = 0;

  // Test seam: from now on every SQL statement of this Store's transactions counts, and the
  // `fail_at`-th one fails as a database failure would (store::Error). Set or clear it only
  // while no call is in flight; nullptr removes it.
  virtual void set_fault_injector(std::shared_ptr<FaultInjector> faults) = 0;

  // --- Metrics (issue 12) ---
  struct TenantStatus {
    std::string username;
    std::int64_t review = 0;             // accounts in review
    std::int64_t awaiting_approval = 0;  // adds Proposed
    std::int64_t last_success = 0;       // ended_at of the newest "ok" run; 0 = none
  };
  // Every tenant, by name, in one grouped statement on its own connection (GET /metrics).
  virtual std::vector<TenantStatus> tenant_status() = 0;

 protected:
  Store() = default;
};

// The schema version this build writes (the length of the migration list, migrations.cpp).
int latest_schema_version();
// True for a postgresql:// or postgres:// URI.
bool is_postgres_uri(const std::string& db);
// `db` with any password (user:PASSWORD@ or password=...) replaced by "***", for logs and errors.
std::string redact(const std::string& db);
// A PostgresStore for a postgresql:// URI (a libpq connection string; the password comes from
// PGPASSFILE or the environment, never from logs), else a SqliteStore on the file `db`.
std::unique_ptr<Store> open(const std::string& db, OpenOptions options = {});

struct TableCount {
  std::string table;
  std::int64_t rows = 0;
};
// Copies every table of `from` into the empty `to` (either engine to either), ids kept, in one
// write transaction on `to`; row counts are verified per table before it commits. Both must
// carry this build's schema. Returns the rows per table. (copy.cpp)
std::vector<TableCount> copy_installation(Store& from, Store& to);

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file and (by default) applies pending schema migrations.
  explicit SqliteStore(const std::string& path, OpenOptions options = {});
  ~SqliteStore() override;

  Engine engine() const override { return Engine::Sqlite; }
  std::unique_ptr<Tx> begin(bool write) override;  // write = BEGIN IMMEDIATE
  int schema_version() override;
  int migrate() override;
  std::optional<std::string> check() override;
  std::string describe() const override { return path_; }
  const std::string& path() const { return path_; }

 private:
  struct Pool;
  std::string path_;
  std::unique_ptr<Pool> pool_;

  // --- Maintenance (issue 12): backup, retention, failure injection (sqlite_maintenance.cpp) ---
 public:
  // Copies the database to `dest` with SQLite's online backup API: a consistent snapshot even
  // while servers write (WAL readers never block writers). `dest` becomes one self-contained
  // file (no -wal), mode 0600; it must not exist unless `overwrite`. Returns the pages copied.
  // (PostgreSQL has pg_dump for this.)
  std::int64_t backup_to(const std::string& dest, bool overwrite = false);
  PruneCounts prune_log(std::int64_t before, int batch = 1000) override;
  void set_fault_injector(std::shared_ptr<FaultInjector> faults) override;

 private:
  std::shared_ptr<FaultInjector> faults_;

  // Metrics (issue 12, sqlite_metrics.cpp).
 public:
  std::vector<TenantStatus> tenant_status() override;
};

// A server holds one of these (shared) for as long as it serves `db_path`; restore takes it
// exclusively, so it refuses while any server uses the database. An flock(2) on `DB.lock`
// beside the database; released when destroyed (or when the process dies).
class DatabaseLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Throws store::Error naming the lock file when it is held in a conflicting mode (never
  // waits). ":memory:" takes no lock.
  DatabaseLock(const std::string& db_path, Mode mode);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  const std::string& path() const { return lock_path_; }

 private:
  std::string lock_path_;
  int fd_ = -1;
};

// Replaces the database at `db_path` with the backup at `backup_path` (checked first: intact,
// a qblink schema no newer than this build's). Refuses with store::Error while a server holds
// the DatabaseLock. Copied with the backup API, so the target's WAL is handled; the target
// keeps WAL mode. Returns the restored schema version.
int restore_database(const std::string& backup_path, const std::string& db_path);

}  // namespace qblink::store

// The SQLite implementation of store.h: a small connection pool, versioned migrations, and one
// prepared statement per operation.
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "store/database.h"
#include "store/guid.h"
#include "store/maintenance.h"
#include "store/migrations.h"
#include "store/rows.h"
#include "store/store.h"

namespace qblink::store {
namespace {

using reconcile::AccountKind;
using reconcile::QbList;

std::int64_t to_int(AccountKind k) { return static_cast<std::int64_t>(k); }
std::int64_t to_int(QbList l) { return static_cast<std::int64_t>(l); }

}  // namespace

std::string_view to_string(AddState state) {
  switch (state) {
    case AddState::Queued:
      return "queued";
    case AddState::Sent:
      return "sent";
    case AddState::Confirmed:
      return "confirmed";
    case AddState::InDoubt:
      return "in doubt";
    case AddState::Collided:
      return "collided";
    case AddState::Failed:
      return "failed";
    case AddState::Cancelled:
      return "cancelled";
    case AddState::Proposed:
      return "awaiting approval";
    case AddState::Rejected:
      return "rejected";
  }
  return "?";
}

struct SqliteStore::Pool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Database>> idle;
  // When check() last read every page (PRAGMA quick_check); see check().
  std::mutex check_mutex;
  std::optional<std::chrono::steady_clock::time_point> last_full_check;
  std::chrono::steady_clock::duration full_check_took{};
};

namespace {

class SqliteTx final : public Tx {
 public:
  SqliteTx(std::unique_ptr<Database> db, bool write,
           std::function<void(std::unique_ptr<Database>)> give_back)
      : db_(std::move(db)), give_back_(std::move(give_back)) {
    db_->exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  ~SqliteTx() override {
    if (!done_) {
      try {
        db_->reset_cached();
        db_->exec("ROLLBACK");
      } catch (...) {
        // The connection is dropped below rather than reused in an unknown state.
        db_.reset();
      }
    }
    if (db_) give_back_(std::move(db_));
  }

  void commit() override {
    for (const auto& [tenant, count] : input_changes_)
      db_->cached("UPDATE tenants SET inputs_version = inputs_version + ? WHERE id = ?")
          .bind_all(count, tenant)
          .run();
    db_->reset_cached();
    db_->exec("COMMIT");
    done_ = true;
  }

  // BEGIN IMMEDIATE holds the whole database's write lock already.
  void lock_tenant(TenantId) override {}

  std::string owner_id() override {
    auto& get = db_->cached("SELECT value FROM meta WHERE key='owner_id'");
    if (get.step()) return get.text(0);
    std::string id = make_guid();
    db_->cached("INSERT INTO meta(key, value) VALUES('owner_id', ?)").bind_all(id).run();
    return id;
  }

  static constexpr const char* kTenantCols =
      "SELECT id, username, password_hash, company_file, file_id, failed_logins, last_failed_at, "
      "known_file_id, known_company_name, known_company_path, auto_add_limit FROM tenants ";

  std::optional<Tenant> tenant_by_name(const std::string& username) override {
    auto& s = db_->cached(std::string(kTenantCols) + "WHERE username = ?");
    s.bind_all(username);
    if (!s.step()) return std::nullopt;
    return read_tenant(s);
  }
  std::optional<Tenant> tenant(TenantId id) override {
    auto& s = db_->cached(std::string(kTenantCols) + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_tenant(s);
  }
  std::vector<Tenant> tenants() override {
    auto& s = db_->cached(std::string(kTenantCols) + "ORDER BY username");
    std::vector<Tenant> out;
    while (s.step()) out.push_back(read_tenant(s));
    return out;
  }
  TenantId add_tenant(const Tenant& t) override {
    db_->cached(
           "INSERT INTO tenants(username, password_hash, company_file, file_id) VALUES(?,?,?,?)")
        .bind_all(t.username, t.password_hash, t.company_file, t.file_id)
        .run();
    return db_->last_insert_id();
  }
  bool remove_tenant(TenantId id) override {
    db_->cached("DELETE FROM tenants WHERE id = ?").bind_all(id).run();
    return db_->changes() > 0;
  }
  void set_password_hash(TenantId id, const std::string& hash) override {
    db_->cached("UPDATE tenants SET password_hash = ? WHERE id = ?").bind_all(hash, id).run();
  }
  int record_login_failure(TenantId id, std::int64_t at) override {
    // One statement, so concurrent failures each count (no read-modify-write race).
    auto& s = db_->cached(
        "UPDATE tenants SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE id = ? "
        "RETURNING failed_logins");
    s.bind_all(at, id);
    const int count = s.step() ? static_cast<int>(s.integer(0)) : 0;
    s.reset();
    return count;
  }
  void set_auto_add_limit(TenantId id, int limit) override {
    db_->cached("UPDATE tenants SET auto_add_limit = ? WHERE id = ?").bind_all(limit, id).run();
    inputs_changed(id);
  }
  void set_login_failures(TenantId id, int count, std::int64_t at) override {
    db_->cached("UPDATE tenants SET failed_logins = ?, last_failed_at = ? WHERE id = ?")
        .bind_all(count, at, id)
        .run();
  }
  void set_company_identity(TenantId id, const std::string& file_id, const std::string& name,
                            const std::string& path) override {
    db_->cached(
           "UPDATE tenants SET known_file_id = ?, known_company_name = ?, known_company_path = ? "
           "WHERE id = ?")
        .bind_all(file_id, name, path, id)
        .run();
  }

  void create_session(const SessionRow& r) override {
    db_->cached(
           "INSERT INTO sessions(ticket, tenant_id, run_id, status, created_at, last_seen_at, "
           "state, last_error) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(r.ticket, r.tenant_id, r.run_id, static_cast<int>(r.status), r.created_at,
                  r.last_seen_at, r.state, r.last_error)
        .run();
  }
  std::optional<SessionRow> session(const std::string& ticket) override {
    auto& s = db_->cached(std::string(kSessionCols) + "WHERE ticket = ?");
    s.bind_all(ticket);
    if (!s.step()) return std::nullopt;
    return read_session(s);
  }
  void save_session(const SessionRow& r) override {
    db_->cached(
           "UPDATE sessions SET status = ?, last_seen_at = ?, state = ?, last_error = ? "
           "WHERE ticket = ?")
        .bind_all(static_cast<int>(r.status), r.last_seen_at, r.state, r.last_error, r.ticket)
        .run();
  }
  std::vector<std::string> supersede_sessions(TenantId tenant) override {
    auto& s = db_->cached("SELECT ticket FROM sessions WHERE tenant_id = ? AND status = ?");
    s.bind_all(tenant, static_cast<int>(SessionStatus::Open));
    std::vector<std::string> tickets;
    while (s.step()) tickets.push_back(s.text(0));
    db_->cached("UPDATE sessions SET status = ? WHERE tenant_id = ? AND status = ?")
        .bind_all(static_cast<int>(SessionStatus::Superseded), tenant,
                  static_cast<int>(SessionStatus::Open))
        .run();
    return tickets;
  }
  void delete_sessions_before(std::int64_t before) override {
    db_->cached("DELETE FROM sessions WHERE last_seen_at < ?").bind_all(before).run();
  }

  RunId start_run(TenantId tenant, std::int64_t now) override {
    db_->cached("INSERT INTO runs(tenant_id, started_at) VALUES(?, ?)").bind_all(tenant, now).run();
    return db_->last_insert_id();
  }
  void finish_run(const RunRow& r) override {
    db_->cached(
           "UPDATE runs SET ended_at = ?, outcome = ?, linked = ?, added = ?, review = ?, "
           "errors = ?, records_fetched = ?, summary = ? WHERE id = ?")
        .bind_all(r.ended_at, r.outcome, r.linked, r.added, r.review, r.errors, r.records_fetched,
                  r.summary, r.id)
        .run();
  }
  static constexpr const char* kRunCols =
      "SELECT id, tenant_id, started_at, ended_at, outcome, linked, added, review, errors, "
      "records_fetched, summary FROM runs ";
  std::optional<RunRow> run(RunId id) override {
    auto& s = db_->cached(std::string(kRunCols) + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
  }
  std::vector<RunRow> runs(TenantId tenant, int limit) override {
    auto& s = db_->cached(std::string(kRunCols) + "WHERE tenant_id = ? ORDER BY id DESC LIMIT ?");
    s.bind_all(tenant, limit);
    std::vector<RunRow> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }
  int abandon_runs(TenantId tenant, std::int64_t now) override {
    db_->cached(
           "UPDATE runs SET outcome = 'abandoned', ended_at = ?, "
           "summary = 'abandoned: the Web Connector session ended without closing' "
           "WHERE tenant_id = ? AND outcome = 'running'")
        .bind_all(now, tenant)
        .run();
    return db_->changes();
  }
  void add_event(TenantId tenant, const EventRow& e) override {
    db_->cached(
           "INSERT INTO events(tenant_id, run_id, at, level, kind, account_kind, account_id, "
           "message) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(tenant, e.run_id, e.at, e.level, e.kind, e.account_kind, e.account_id, e.message)
        .run();
  }
  std::vector<EventRow> events(RunId run) override {
    auto& s = db_->cached(
        "SELECT id, run_id, at, level, kind, account_kind, account_id, message FROM events "
        "WHERE run_id = ? ORDER BY id");
    s.bind_all(run);
    std::vector<EventRow> out;
    while (s.step()) out.push_back(read_event(s));
    return out;
  }

  // The next change number of the tenant's accounts: what the API's changed_since compares.
  // Read once per transaction, then counted here: a write transaction holds the database's
  // write lock (BEGIN IMMEDIATE), so no one else moves the maximum meanwhile, and a 20k first
  // sync saves 20,000 lookups (issue 13).
  // Called for every account write, so it also counts a change of reconciliation's inputs.
  // The tenant's newest change number as this transaction sees it (read once, then counted).
  std::int64_t& current_change(TenantId tenant) {
    auto [it, fresh] = last_change_.try_emplace(tenant, 0);
    if (fresh) {
      auto& s =
          db_->cached("SELECT coalesce(max(changed_at), 0) FROM accounts WHERE tenant_id = ?");
      s.bind_all(tenant);
      s.step();
      it->second = s.integer(0);
    }
    return it->second;
  }
  // A change number for an account being written: an input of reconciliation changed.
  std::int64_t next_change(TenantId tenant) {
    inputs_changed(tenant);
    return ++current_change(tenant);
  }
  UpsertResult upsert_account(TenantId tenant, const AccountRow& a) override {
    auto before = account(tenant, a.kind, a.account_id);
    if (!before) {
      db_->cached(
             "INSERT INTO accounts(tenant_id, kind, account_id, name, accounting_name, "
             "company_name, first_name, last_name, phone, email, addr1, addr2, city, state, "
             "postal_code, country, changed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind_all(tenant, to_int(a.kind), a.account_id, a.name, a.accounting_name, a.company_name,
                    a.first_name, a.last_name, a.phone, a.email, a.addr1, a.addr2, a.city, a.state,
                    a.postal_code, a.country, next_change(tenant))
          .run();
      return UpsertResult::Added;
    }
    const auto& b = *before;
    if (b.name == a.name && b.accounting_name == a.accounting_name &&
        b.company_name == a.company_name && b.first_name == a.first_name &&
        b.last_name == a.last_name && b.phone == a.phone && b.email == a.email &&
        b.addr1 == a.addr1 && b.addr2 == a.addr2 && b.city == a.city && b.state == a.state &&
        b.postal_code == a.postal_code && b.country == a.country)
      return UpsertResult::Unchanged;
    // A new accounting name is a new instruction: the old link (or review) no longer holds, so
    // the account is reconciled afresh on the next run instead of keeping a stale link.
    const bool relink = b.accounting_name != a.accounting_name;
    db_->cached(
           "UPDATE accounts SET name = ?, accounting_name = ?, company_name = ?, first_name = ?, "
           "last_name = ?, phone = ?, email = ?, addr1 = ?, addr2 = ?, city = ?, state = ?, "
           "postal_code = ?, country = ?, changed_at = ?, "
           "status = CASE WHEN ? THEN 'pending' ELSE status END, "
           "list_id = CASE WHEN ? THEN '' ELSE list_id END, "
           "qb_full_name = CASE WHEN ? THEN '' ELSE qb_full_name END, "
           "reason = CASE WHEN ? THEN 'accounting name changed' ELSE reason END, "
           "detail = CASE WHEN ? THEN ? ELSE detail END, "
           "declared_new = CASE WHEN ? THEN 0 ELSE declared_new END "
           "WHERE tenant_id = ? AND kind = ? AND account_id = ?")
        .bind_all(a.name, a.accounting_name, a.company_name, a.first_name, a.last_name, a.phone,
                  a.email, a.addr1, a.addr2, a.city, a.state, a.postal_code, a.country,
                  next_change(tenant), relink, relink, relink, relink, relink,
                  "accounting name changed from \"" + b.accounting_name + "\" to \"" +
                      a.accounting_name + "\"; reconciled again on the next run",
                  relink, tenant, to_int(a.kind), a.account_id)
        .run();
    return UpsertResult::Updated;
  }
  void save_account_state(TenantId tenant, const AccountRow& a) override {
    db_->cached(
           "UPDATE accounts SET accounting_name = ?, status = ?, list_id = ?, qb_full_name = ?, "
           "reason = ?, detail = ?, candidates = ?, declared_new = ?, changed_at = ? "
           "WHERE tenant_id = ? AND kind = ? AND account_id = ?")
        .bind_all(a.accounting_name, a.status, a.list_id, a.qb_full_name, a.reason, a.detail,
                  a.candidates, a.declared_new, next_change(tenant), tenant, to_int(a.kind),
                  a.account_id)
        .run();
  }
  void link_account(TenantId tenant, AccountKind kind, const std::string& account_id,
                    const std::string& list_id, const std::string& full_name,
                    const std::string& reason, const std::string& detail) override {
    db_->cached(
           "UPDATE accounts SET status = 'linked', list_id = ?, qb_full_name = ?, "
           "accounting_name = CASE WHEN accounting_name = '' THEN ? ELSE accounting_name END, "
           "reason = ?, detail = ?, candidates = '[]', changed_at = ? "
           "WHERE tenant_id = ? AND kind = ? AND account_id = ?")
        .bind_all(list_id, full_name, full_name, reason, detail, next_change(tenant), tenant,
                  to_int(kind), account_id)
        .run();
  }

  std::optional<AccountRow> account(TenantId tenant, AccountKind kind,
                                    const std::string& account_id) override {
    auto& s = db_->cached(std::string(kAccountCols) +
                          "WHERE tenant_id = ? AND kind = ? AND account_id = ?");
    s.bind_all(tenant, to_int(kind), account_id);
    if (!s.step()) return std::nullopt;
    return read_account(s);
  }
  void for_each_account(TenantId tenant, AccountKind kind,
                        const std::function<void(AccountRow&&)>& each) override {
    auto& s = db_->cached(std::string(kAccountCols) +
                          "WHERE tenant_id = ? AND kind = ? ORDER BY account_id");
    s.bind_all(tenant, to_int(kind));
    while (s.step()) each(read_account(s));
  }
  std::int64_t account_count(TenantId tenant) override {
    auto& s = db_->cached("SELECT count(*) FROM accounts WHERE tenant_id = ?");
    s.bind_all(tenant);
    s.step();
    return s.integer(0);
  }

  std::int64_t account_count(TenantId tenant, const std::string& status) override {
    auto& s = db_->cached("SELECT count(*) FROM accounts WHERE tenant_id = ? AND status = ?");
    s.bind_all(tenant, status);
    s.step();
    return s.integer(0);
  }

  void upsert_entries(TenantId tenant, const std::vector<QbRow>& rows, RunId seen_in) override {
    auto& s = db_->cached(
        "INSERT INTO qb_entries(tenant_id, list, list_id, full_name, name, parent_list_id, "
        "is_active, edit_sequence, time_modified, seen_run, company_name, first_name, last_name, "
        "phone, alt_phone, email, addr1, postal_code) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(tenant_id, list, list_id) DO UPDATE SET full_name=excluded.full_name, "
        "name=excluded.name, parent_list_id=excluded.parent_list_id, "
        "is_active=excluded.is_active, edit_sequence=excluded.edit_sequence, "
        "time_modified=excluded.time_modified, seen_run=excluded.seen_run, "
        "company_name=excluded.company_name, first_name=excluded.first_name, "
        "last_name=excluded.last_name, phone=excluded.phone, alt_phone=excluded.alt_phone, "
        "email=excluded.email, addr1=excluded.addr1, postal_code=excluded.postal_code");
    // Compared only until this transaction has counted a change: one more changes nothing.
    if (!rows.empty() && (input_changes_.contains(tenant) || !same_entries(tenant, rows)))
      inputs_changed(tenant);
    for (const auto& r : rows) {
      s.bind_all(tenant, to_int(r.list), r.list_id, r.full_name, r.name, r.parent_list_id,
                 r.is_active, r.edit_sequence, r.time_modified, seen_in, r.company_name,
                 r.first_name, r.last_name, r.phone, r.alt_phone, r.email, r.addr1, r.postal_code);
      s.run();
      s.reset();
    }
  }
  int delete_unseen(TenantId tenant, QbList list, RunId run) override {
    db_->cached("DELETE FROM qb_entries WHERE tenant_id = ? AND list = ? AND seen_run <> ?")
        .bind_all(tenant, to_int(list), run)
        .run();
    return counted(tenant, db_->changes());
  }
  // An incremental run re-reads each list's newest entries (FromModifiedDate is inclusive, and
  // overlapped), a full refresh every entry: rows identical to what is stored are no change of
  // reconciliation's inputs. Stops at the first difference (a first sync: at once).
  bool same_entries(TenantId tenant, const std::vector<QbRow>& rows) {
    auto& s = db_->cached(
        "SELECT full_name, name, parent_list_id, is_active, edit_sequence, time_modified, "
        "company_name, first_name, last_name, phone, alt_phone, email, addr1, postal_code "
        "FROM qb_entries WHERE tenant_id = ? AND list = ? AND list_id = ?");
    for (const auto& r : rows) {
      s.reset();
      s.bind_all(tenant, to_int(r.list), r.list_id);
      const bool same = s.step() && s.text(0) == r.full_name && s.text(1) == r.name &&
                        s.text(2) == r.parent_list_id && (s.integer(3) != 0) == r.is_active &&
                        s.text(4) == r.edit_sequence && s.text(5) == r.time_modified &&
                        s.text(6) == r.company_name && s.text(7) == r.first_name &&
                        s.text(8) == r.last_name && s.text(9) == r.phone &&
                        s.text(10) == r.alt_phone && s.text(11) == r.email &&
                        s.text(12) == r.addr1 && s.text(13) == r.postal_code;
      if (!same) {
        s.reset();
        return false;
      }
    }
    s.reset();
    return true;
  }
  void for_each_entry(TenantId tenant, const std::function<void(QbRow&&)>& each) override {
    auto& s = db_->cached(std::string(kEntryCols) + "WHERE tenant_id = ?");
    s.bind_all(tenant);
    while (s.step()) each(read_entry(s));
  }
  ListMark list_mark(TenantId tenant, QbList list) override {
    auto& s = db_->cached(
        "SELECT max_time_modified, last_full_at FROM list_marks WHERE tenant_id = ? AND list = ?");
    s.bind_all(tenant, to_int(list));
    ListMark m;
    if (s.step()) {
      m.max_time_modified = s.text(0);
      m.last_full_at = s.integer(1);
    }
    return m;
  }
  void set_list_mark(TenantId tenant, QbList list, const ListMark& m) override {
    db_->cached(
           "INSERT INTO list_marks(tenant_id, list, max_time_modified, last_full_at) "
           "VALUES(?,?,?,?) ON CONFLICT(tenant_id, list) DO UPDATE SET "
           "max_time_modified=excluded.max_time_modified, last_full_at=excluded.last_full_at")
        .bind_all(tenant, to_int(list), m.max_time_modified, m.last_full_at)
        .run();
  }

  bool enqueue_add(TenantId tenant, const OutboxRow& r) override {
    auto& s = db_->cached(
        "SELECT count(*) FROM outbox WHERE tenant_id = ? AND kind = ? AND account_id = ? AND "
        "state IN (?,?,?,?,?)");
    s.bind_all(tenant, to_int(r.kind), r.account_id, static_cast<int>(AddState::Queued),
               static_cast<int>(AddState::Sent), static_cast<int>(AddState::InDoubt),
               static_cast<int>(AddState::Collided), static_cast<int>(AddState::Proposed));
    s.step();
    if (s.integer(0) > 0) return false;
    const AddState state = r.state == AddState::Proposed ? AddState::Proposed : AddState::Queued;
    db_->cached(
           "INSERT INTO outbox(tenant_id, kind, account_id, name, state, run_id, reason, "
           "created_at) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(tenant, to_int(r.kind), r.account_id, r.name, static_cast<int>(state), r.run_id,
                  r.reason, r.created_at)
        .run();
    inputs_changed(tenant);
    return true;
  }
  std::vector<OutboxRow> outbox(TenantId tenant, AddState state, int limit) override {
    auto& s = db_->cached(std::string(kOutboxCols) +
                          "WHERE tenant_id = ? AND state = ? ORDER BY id LIMIT ?");
    s.bind_all(tenant, static_cast<int>(state), limit);
    std::vector<OutboxRow> out;
    while (s.step()) out.push_back(read_outbox(s));
    return out;
  }
  // Every row-id call names the tenant too: an id alone must never reach another tenant's row.
  bool set_add_state(TenantId tenant, OutboxId id, AddState state, RunId run,
                     const std::string& list_id, const std::string& error) override {
    db_->cached(
           "UPDATE outbox SET state = ?, run_id = ?, list_id = ?, error = ? "
           "WHERE id = ? AND tenant_id = ?")
        .bind_all(static_cast<int>(state), run, list_id, error, id.value, tenant)
        .run();
    return counted(tenant, db_->changes()) > 0;
  }
  std::optional<OutboxRow> outbox_row(TenantId tenant, OutboxId id) override {
    auto& s = db_->cached(std::string(kOutboxCols) + "WHERE id = ? AND tenant_id = ?");
    s.bind_all(id.value, tenant);
    if (!s.step()) return std::nullopt;
    return read_outbox(s);
  }

  int mark_sent_in_doubt(TenantId tenant) override {
    db_->cached("UPDATE outbox SET state = ? WHERE tenant_id = ? AND state = ?")
        .bind_all(static_cast<int>(AddState::InDoubt), tenant, static_cast<int>(AddState::Sent))
        .run();
    return counted(tenant, db_->changes());
  }
  void cancel_queued_add(TenantId tenant, AccountKind kind,
                         const std::string& account_id) override {
    db_->cached(
           "UPDATE outbox SET state = ? WHERE tenant_id = ? AND kind = ? AND account_id = ? AND "
           "state IN (?, ?)")
        .bind_all(static_cast<int>(AddState::Cancelled), tenant, to_int(kind), account_id,
                  static_cast<int>(AddState::Queued), static_cast<int>(AddState::Proposed))
        .run();
    counted(tenant, db_->changes());
  }
  std::optional<AddState> last_add_state(TenantId tenant, AccountKind kind,
                                         const std::string& account_id) override {
    auto& s = db_->cached(
        "SELECT state FROM outbox WHERE tenant_id = ? AND kind = ? AND account_id = ? "
        "ORDER BY id DESC LIMIT 1");
    s.bind_all(tenant, to_int(kind), account_id);
    if (!s.step()) return std::nullopt;
    return static_cast<AddState>(s.integer(0));
  }
  std::int64_t count_adds(TenantId tenant, AddState state) override {
    auto& s = db_->cached("SELECT count(*) FROM outbox WHERE tenant_id = ? AND state = ?");
    s.bind_all(tenant, static_cast<int>(state));
    s.step();
    return s.integer(0);
  }

  std::int64_t add_api_token(const ApiToken& t) override {
    auto& s =
        db_->cached("INSERT INTO api_tokens(tenant_id, name, hash, created_at) VALUES(?,?,?,?)");
    s.bind_all(std::int64_t{0}, t.name, t.hash, t.created_at);
    if (t.tenant_id)
      s.bind(1, *t.tenant_id);
    else
      s.bind_null(1);
    s.run();
    return db_->last_insert_id();
  }
  static constexpr const char* kTokenCols =
      "SELECT id, tenant_id, name, hash, created_at, last_used_at, revoked FROM api_tokens ";
  std::optional<ApiToken> api_token_by_hash(const std::string& hash) override {
    auto& s = db_->cached(std::string(kTokenCols) + "WHERE hash = ?");
    s.bind_all(hash);
    if (!s.step()) return std::nullopt;
    auto t = read_token(s);
    s.reset();
    return t;
  }
  std::vector<ApiToken> api_tokens(std::optional<TenantId> tenant) override {
    std::vector<ApiToken> out;
    if (tenant) {
      auto& s = db_->cached(std::string(kTokenCols) + "WHERE tenant_id = ? ORDER BY id");
      s.bind_all(*tenant);
      while (s.step()) out.push_back(read_token(s));
    } else {
      auto& s = db_->cached(std::string(kTokenCols) + "WHERE tenant_id IS NULL ORDER BY id");
      while (s.step()) out.push_back(read_token(s));
    }
    return out;
  }
  bool revoke_api_token(std::optional<TenantId> tenant, std::int64_t id) override {
    if (tenant)
      db_->cached("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND tenant_id = ?")
          .bind_all(id, *tenant)
          .run();
    else
      db_->cached("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND tenant_id IS NULL")
          .bind_all(id)
          .run();
    return db_->changes() > 0;
  }
  void touch_api_token(std::int64_t id, std::int64_t at) override {
    db_->cached("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind_all(at, id).run();
  }

  std::vector<AccountRow> accounts_changed(TenantId tenant, std::int64_t after,
                                           std::optional<AccountKind> kind,
                                           const std::string& status, int limit) override {
    auto& s = db_->cached(std::string(kAccountCols) +
                          "WHERE tenant_id = ? AND changed_at > ? AND (? < 0 OR kind = ?) AND "
                          "(? = '' OR status = ?) ORDER BY changed_at LIMIT ?");
    const std::int64_t k = kind ? to_int(*kind) : -1;
    s.bind_all(tenant, after, k, k, status, status, limit);
    std::vector<AccountRow> out;
    while (s.step()) out.push_back(read_account(s));
    return out;
  }
  // Only reads: counting it as a change would make every run look like new input (issue 13).
  std::int64_t last_account_change(TenantId tenant) override { return current_change(tenant); }

  std::optional<Webhook> webhook(TenantId tenant) override {
    auto& s =
        db_->cached("SELECT tenant_id, url, secret, created_at FROM webhooks WHERE tenant_id = ?");
    s.bind_all(tenant);
    if (!s.step()) return std::nullopt;
    Webhook w{s.integer(0), s.text(1), s.text(2), s.integer(3)};
    s.reset();
    return w;
  }
  void set_webhook(const Webhook& w) override {
    db_->cached(
           "INSERT INTO webhooks(tenant_id, url, secret, created_at) VALUES(?,?,?,?) "
           "ON CONFLICT(tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, "
           "created_at = excluded.created_at")
        .bind_all(w.tenant_id, w.url, w.secret, w.created_at)
        .run();
  }
  bool remove_webhook(TenantId tenant) override {
    db_->cached("DELETE FROM webhooks WHERE tenant_id = ?").bind_all(tenant).run();
    const bool had = db_->changes() > 0;
    db_->cached("DELETE FROM webhook_deliveries WHERE tenant_id = ? AND state = ?")
        .bind_all(tenant, static_cast<std::int64_t>(DeliveryState::Pending))
        .run();
    return had;
  }
  std::int64_t enqueue_delivery(const Delivery& d) override {
    db_->cached(
           "INSERT INTO webhook_deliveries(tenant_id, run_id, changed_after, changed_upto, body, "
           "state, attempts, next_at, created_at) VALUES(?,?,?,?,?,?,?,?,?)")
        .bind_all(d.tenant_id, d.run_id, d.changed_after, d.changed_upto, d.body,
                  static_cast<std::int64_t>(d.state), d.attempts, d.next_at, d.created_at)
        .run();
    return db_->last_insert_id();
  }
  static constexpr const char* kDeliveryCols =
      "SELECT id, tenant_id, run_id, changed_after, changed_upto, body, state, attempts, "
      "next_at, created_at, last_status, last_error FROM webhook_deliveries ";
  std::vector<Delivery> claim_deliveries(std::int64_t now, std::int64_t lease_until,
                                         int limit) override {
    auto& s = db_->cached(std::string(kDeliveryCols) +
                          "WHERE state = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?");
    s.bind_all(static_cast<std::int64_t>(DeliveryState::Pending), now, limit);
    std::vector<Delivery> out;
    while (s.step()) out.push_back(read_delivery(s));
    s.reset();
    auto& claim = db_->cached("UPDATE webhook_deliveries SET next_at = ? WHERE id = ?");
    for (const auto& d : out) {
      claim.reset();
      claim.bind_all(lease_until, d.id).run();
    }
    return out;
  }
  void save_delivery(const Delivery& d) override {
    db_->cached(
           "UPDATE webhook_deliveries SET body = ?, state = ?, attempts = ?, next_at = ?, "
           "last_status = ?, last_error = ? WHERE id = ?")
        .bind_all(d.body, static_cast<std::int64_t>(d.state), d.attempts, d.next_at, d.last_status,
                  d.last_error, d.id)
        .run();
  }
  std::vector<Delivery> deliveries(TenantId tenant, int limit) override {
    auto& s =
        db_->cached(std::string(kDeliveryCols) + "WHERE tenant_id = ? ORDER BY id DESC LIMIT ?");
    s.bind_all(tenant, limit);
    std::vector<Delivery> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
  }

  std::vector<EventRow> tenant_events(TenantId tenant, RunId run) override {
    auto& s = db_->cached(
        "SELECT id, run_id, at, level, kind, account_kind, account_id, message FROM events "
        "WHERE tenant_id = ? AND run_id = ? ORDER BY id");
    s.bind_all(tenant, run);
    std::vector<EventRow> out;
    while (s.step()) out.push_back(read_event(s));
    return out;
  }

  std::int64_t reconcile_inputs_version(TenantId tenant) override {
    auto& s = db_->cached("SELECT inputs_version FROM tenants WHERE id = ?");
    s.bind_all(tenant);
    const std::int64_t committed = s.step() ? s.integer(0) : 0;
    const auto mine = input_changes_.find(tenant);
    return committed + (mine == input_changes_.end() ? 0 : mine->second);
  }
  std::string reconciled_stamp(TenantId tenant) override {
    auto& s = db_->cached("SELECT reconciled_stamp FROM tenants WHERE id = ?");
    s.bind_all(tenant);
    return s.step() ? s.text(0) : std::string();
  }
  void set_reconciled_stamp(TenantId tenant, const std::string& stamp) override {
    db_->cached("UPDATE tenants SET reconciled_stamp = ? WHERE id = ?")
        .bind_all(stamp, tenant)
        .run();
  }

  std::vector<std::string> raw_tables() override {
    auto& s = db_->cached(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  std::vector<std::string> raw_columns(const std::string& table) override {
    auto& s = db_->cached("SELECT name FROM pragma_table_info(?) ORDER BY cid");
    s.bind_all(table);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  std::int64_t raw_count(const std::string& table) override {
    auto s = db_->prepare("SELECT count(*) FROM \"" + table + "\"");
    s.step();
    return s.integer(0);
  }
  void raw_rows(const std::string& table, const std::vector<std::string>& columns,
                const std::function<void(const RawRow&)>& each) override {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", \"" : "\"") + columns[i] + "\"";
    auto s = db_->prepare(sql + " FROM \"" + table + "\"");
    RawRow row(columns.size());
    while (s.step()) {
      for (std::size_t i = 0; i < columns.size(); ++i)
        row[i] = s.is_null(static_cast<int>(i)) ? std::nullopt
                                                : std::optional(s.text(static_cast<int>(i)));
      each(row);
    }
  }
  void raw_insert(const std::string& table, const std::vector<std::string>& columns,
                  const RawRow& row) override {
    std::string sql = "INSERT INTO \"" + table + "\"(", values;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      sql += (i ? ", \"" : "\"") + columns[i] + "\"";
      values += i ? ", ?" : "?";
    }
    auto& s = db_->cached(sql + ") VALUES(" + values + ")");
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (row[i])
        s.bind(static_cast<int>(i) + 1, *row[i]);
      else
        s.bind_null(static_cast<int>(i) + 1);
    }
    s.run();
  }
  void raw_fix_sequences() override {}  // INTEGER PRIMARY KEY continues after the largest id

 private:
  void inputs_changed(TenantId tenant) { ++input_changes_[tenant]; }
  int counted(TenantId tenant, int changes) {
    if (changes > 0) inputs_changed(tenant);
    return changes;
  }

  std::unique_ptr<Database> db_;
  std::map<TenantId, std::int64_t> last_change_;
  // Changes of reconciliation's inputs per tenant in this transaction; commit() adds them to
  // tenants.inputs_version.
  std::map<TenantId, std::int64_t> input_changes_;  // next_change()'s count, this transaction
  std::function<void(std::unique_ptr<Database>)> give_back_;
  bool done_ = false;
};

int user_version(Database& db) {
  auto s = db.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

// Applies what is missing; returns the version now. The version is read inside the write
// transaction, so two processes starting on the same file never apply one migration twice.
int migrate_database(Database& db, bool apply) {
  const int latest = latest_schema_version();
  Transaction tx(db);
  const int current = user_version(db);
  if (current > latest)
    throw Error("database schema version " + std::to_string(current) +
                " is newer than this qblink understands (" + std::to_string(latest) + ")");
  if (!apply || current == latest) return current;
  const auto steps = migrations();
  for (int v = current; v < latest; ++v) db.exec(steps[static_cast<std::size_t>(v)].sqlite);
  db.exec("PRAGMA user_version = " + std::to_string(latest));
  tx.commit();
  return latest;
}

}  // namespace

std::string make_guid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-%04X-%012llX}", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

SqliteStore::SqliteStore(const std::string& path, OpenOptions options)
    : path_(path), pool_(std::make_unique<Pool>()) {
  auto db = std::make_unique<Database>(path);
  migrate_database(*db, options.migrate);
  pool_->idle.push_back(std::move(db));
}

SqliteStore::~SqliteStore() = default;

int SqliteStore::migrate() {
  Database db(path_);
  return migrate_database(db, true);
}

std::unique_ptr<Tx> SqliteStore::begin(bool write) {
  std::unique_ptr<Database> db;
  {
    std::lock_guard lock(pool_->mutex);
    if (!pool_->idle.empty()) {
      db = std::move(pool_->idle.back());
      pool_->idle.pop_back();
    }
  }
  if (!db) db = std::make_unique<Database>(path_);
  arm_fault_injector(*db, faults_.get());  // test seam (sqlite_maintenance.cpp), usually off
  Pool* pool = pool_.get();
  return std::make_unique<SqliteTx>(std::move(db), write, [pool](std::unique_ptr<Database> back) {
    std::lock_guard lock(pool->mutex);
    pool->idle.push_back(std::move(back));
  });
}

int SqliteStore::schema_version() {
  Database db(path_);
  return user_version(db);
}

std::optional<std::string> SqliteStore::check() {
  try {
    Database db(path_);
    // quick_check reads every page: on a database of a few hundred MB, run every five seconds
    // by the readiness probe, it was a steady share of the server's CPU (issue 13). It runs
    // again only once 50 times its last duration has passed (at most 2% of one core, whatever
    // the size; a small database is still checked on every probe), always the first time and
    // after a failure. The probes in between check that the database opens and answers with
    // the right schema.
    constexpr int kIdleFactor = 50;
    const auto now = std::chrono::steady_clock::now();
    bool full = false;
    {
      std::lock_guard lock(pool_->check_mutex);
      auto& last = pool_->last_full_check;
      full = !last || now - *last >= kIdleFactor * pool_->full_check_took;
      if (full) last.reset();  // a check that fails or throws is repeated next time
    }
    if (full) {
      auto s = db.prepare("PRAGMA quick_check(1)");
      s.step();
      const std::string verdict = s.text(0);
      if (verdict != "ok") return "database is damaged: " + verdict;
      std::lock_guard lock(pool_->check_mutex);
      pool_->last_full_check = now;
      pool_->full_check_took = std::chrono::steady_clock::now() - now;
    }
    const int version = user_version(db);
    if (version != latest_schema_version())
      return "database schema version " + std::to_string(version) + ", expected " +
             std::to_string(latest_schema_version());
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("database does not answer: ") + e.what();
  }
}

}  // namespace qblink::store

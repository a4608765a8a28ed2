// The PostgreSQL implementation of store.h: a bounded connection pool that replaces broken
// connections, statements prepared once per connection, versioned migrations (migrations.cpp),
// and per-tenant advisory locks so that several instances serialise each tenant's writes the
// way SQLite's BEGIN IMMEDIATE serialises the whole file.
#include "store/pg_store.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

#include "store/guid.h"
#include "store/migrations.h"
#include "store/pg.h"
#include "store/rows.h"

namespace qblink::store {
namespace {

using reconcile::AccountKind;
using reconcile::QbList;

std::int64_t to_int(AccountKind k) { return static_cast<std::int64_t>(k); }
std::int64_t to_int(QbList l) { return static_cast<std::int64_t>(l); }

// Advisory lock keys: (hash of the schema, tenant id); one installation per schema, so two
// installations in one database (tests) never wait on each other. Tenants map to 0..2^31-2;
// -1 is the migration lock.
constexpr const char* kLockTenant =
    "SELECT pg_advisory_xact_lock(hashtext(current_schema()), (?::bigint % 2147483647)::int4)";
constexpr const char* kLockMigrations =
    "SELECT pg_advisory_xact_lock(hashtext(current_schema()), -1)";

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + quoted(columns[i]);
  return out;
}

class PgTx final : public Tx {
 public:
  PgTx(PostgresStore& store, std::unique_ptr<pg::Connection> conn, bool write)
      : store_(store), c_(std::move(conn)), write_(write) {}
  ~PgTx() override {
    bool healthy = true;
    if (!done_) {
      try {
        c_->exec("ROLLBACK");
      } catch (...) {
        healthy = false;  // dropped rather than reused in an unknown state
      }
    }
    healthy = healthy && !c_->broken();
    store_.give_back(std::move(c_), healthy);
  }

  void commit() override {
    for (const auto& [tenant, count] : input_changes_)
      c_->cached("UPDATE tenants SET inputs_version = inputs_version + ? WHERE id = ?")
          .bind_all(count, tenant)
          .run();
    c_->exec("COMMIT");
    done_ = true;
  }

  // Held until COMMIT or ROLLBACK; taken at most once per tenant and transaction. Every method
  // below that names a tenant takes it first in a write transaction, so what it reads is what
  // the tenant's previous writer committed (READ COMMITTED reads afresh per statement).
  void lock_tenant(TenantId tenant) override { lock(tenant); }
  void lock(TenantId tenant) {
    if (!write_ || locked_.contains(tenant)) return;
    c_->cached(kLockTenant).bind_all(tenant).run();
    locked_.insert(tenant);
  }

  std::string owner_id() override {
    auto& get = c_->cached("SELECT value FROM meta WHERE key='owner_id'");
    if (get.step()) return get.text(0);
    // Two instances starting at once: the first insert wins, both return its id.
    c_->cached("INSERT INTO meta(key, value) VALUES('owner_id', ?) ON CONFLICT (key) DO NOTHING")
        .bind_all(make_guid())
        .run();
    auto& again = c_->cached("SELECT value FROM meta WHERE key='owner_id'");
    again.step();
    return again.text(0);
  }

  static constexpr const char* kTenantCols =
      "SELECT id, username, password_hash, company_file, file_id, failed_logins, last_failed_at, "
      "known_file_id, known_company_name, known_company_path, auto_add_limit FROM tenants ";

  std::optional<Tenant> tenant_by_name(const std::string& username) override {
    auto& s = c_->cached(std::string(kTenantCols) + "WHERE username = ?");
    s.bind_all(username);
    if (!s.step()) return std::nullopt;
    return read_tenant(s);
  }
  std::optional<Tenant> tenant(TenantId id) override {
    lock(id);
    auto& s = c_->cached(std::string(kTenantCols) + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_tenant(s);
  }
  std::vector<Tenant> tenants() override {
    auto& s = c_->cached(std::string(kTenantCols) + "ORDER BY username");
    std::vector<Tenant> out;
    while (s.step()) out.push_back(read_tenant(s));
    return out;
  }
  TenantId add_tenant(const Tenant& t) override {
    auto& s = c_->cached(
        "INSERT INTO tenants(username, password_hash, company_file, file_id) VALUES(?,?,?,?) "
        "RETURNING id");
    s.bind_all(t.username, t.password_hash, t.company_file, t.file_id).step();
    return s.integer(0);
  }
  bool remove_tenant(TenantId id) override {
    lock(id);
    c_->cached("DELETE FROM tenants WHERE id = ?").bind_all(id).run();
    return c_->changes() > 0;
  }
  void set_password_hash(TenantId id, const std::string& hash) override {
    lock(id);
    c_->cached("UPDATE tenants SET password_hash = ? WHERE id = ?").bind_all(hash, id).run();
  }
  int record_login_failure(TenantId id, std::int64_t at) override {
    lock(id);
    // One statement, so concurrent failures each count (no read-modify-write race).
    auto& s = c_->cached(
        "UPDATE tenants SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE id = ? "
        "RETURNING failed_logins");
    s.bind_all(at, id);
    const int count = s.step() ? static_cast<int>(s.integer(0)) : 0;
    s.reset();
    return count;
  }
  void set_auto_add_limit(TenantId id, int limit) override {
    lock(id);
    c_->cached("UPDATE tenants SET auto_add_limit = ? WHERE id = ?").bind_all(limit, id).run();
    inputs_changed(id);
  }
  void set_login_failures(TenantId id, int count, std::int64_t at) override {
    lock(id);
    c_->cached("UPDATE tenants SET failed_logins = ?, last_failed_at = ? WHERE id = ?")
        .bind_all(count, at, id)
        .run();
  }
  void set_company_identity(TenantId id, const std::string& file_id, const std::string& name,
                            const std::string& path) override {
    lock(id);
    c_->cached(
          "UPDATE tenants SET known_file_id = ?, known_company_name = ?, known_company_path = ? "
          "WHERE id = ?")
        .bind_all(file_id, name, path, id)
        .run();
  }

  void create_session(const SessionRow& r) override {
    lock(r.tenant_id);
    c_->cached(
          "INSERT INTO sessions(ticket, tenant_id, run_id, status, created_at, last_seen_at, "
          "state, last_error) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(r.ticket, r.tenant_id, r.run_id, static_cast<int>(r.status), r.created_at,
                  r.last_seen_at, r.state, r.last_error)
        .run();
  }
  std::optional<SessionRow> session(const std::string& ticket) override {
    auto& s = c_->cached(std::string(kSessionCols) + "WHERE ticket = ?");
    s.bind_all(ticket);
    if (!s.step()) return std::nullopt;
    return read_session(s);
  }
  void save_session(const SessionRow& r) override {
    if (r.tenant_id) lock(r.tenant_id);
    c_->cached(
          "UPDATE sessions SET status = ?, last_seen_at = ?, state = ?, last_error = ? "
          "WHERE ticket = ?")
        .bind_all(static_cast<int>(r.status), r.last_seen_at, r.state, r.last_error, r.ticket)
        .run();
  }
  std::vector<std::string> supersede_sessions(TenantId tenant) override {
    lock(tenant);
    auto& s = c_->cached("SELECT ticket FROM sessions WHERE tenant_id = ? AND status = ?");
    s.bind_all(tenant, static_cast<int>(SessionStatus::Open));
    std::vector<std::string> tickets;
    while (s.step()) tickets.push_back(s.text(0));
    c_->cached("UPDATE sessions SET status = ? WHERE tenant_id = ? AND status = ?")
        .bind_all(static_cast<int>(SessionStatus::Superseded), tenant,
                  static_cast<int>(SessionStatus::Open))
        .run();
    return tickets;
  }
  void delete_sessions_before(std::int64_t before) override {
    // Housekeeping across tenants: rows another transaction holds are left for next time, so
    // two instances cleaning up at once never wait on (or deadlock with) each other.
    c_->cached(
          "DELETE FROM sessions WHERE ticket IN (SELECT ticket FROM sessions WHERE last_seen_at < "
          "? "
          "FOR UPDATE SKIP LOCKED)")
        .bind_all(before)
        .run();
  }

  RunId start_run(TenantId tenant, std::int64_t now) override {
    lock(tenant);
    auto& s = c_->cached("INSERT INTO runs(tenant_id, started_at) VALUES(?, ?) RETURNING id");
    s.bind_all(tenant, now).step();
    return s.integer(0);
  }
  void finish_run(const RunRow& r) override {
    c_->cached(
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
    auto& s = c_->cached(std::string(kRunCols) + "WHERE id = ?");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
  }
  std::vector<RunRow> runs(TenantId tenant, int limit) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kRunCols) + "WHERE tenant_id = ? ORDER BY id DESC LIMIT ?");
    s.bind_all(tenant, limit);
    std::vector<RunRow> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }
  int abandon_runs(TenantId tenant, std::int64_t now) override {
    lock(tenant);
    c_->cached(
          "UPDATE runs SET outcome = 'abandoned', ended_at = ?, "
          "summary = 'abandoned: the Web Connector session ended without closing' "
          "WHERE tenant_id = ? AND outcome = 'running'")
        .bind_all(now, tenant)
        .run();
    return static_cast<int>(c_->changes());
  }
  void add_event(TenantId tenant, const EventRow& e) override {
    lock(tenant);
    c_->cached(
          "INSERT INTO events(tenant_id, run_id, at, level, kind, account_kind, account_id, "
          "message) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(tenant, e.run_id, e.at, e.level, e.kind, e.account_kind, e.account_id, e.message)
        .run();
  }
  std::vector<EventRow> events(RunId run) override {
    auto& s = c_->cached(
        "SELECT id, run_id, at, level, kind, account_kind, account_id, message FROM events "
        "WHERE run_id = ? ORDER BY id");
    s.bind_all(run);
    std::vector<EventRow> out;
    while (s.step()) out.push_back(read_event(s));
    return out;
  }

  // The next change number of the tenant's accounts: what the API's changed_since compares.
  // Read once per transaction and tenant, then counted here: the tenant's lock (taken by every
  // caller) keeps every other writer of its accounts out until this transaction ends. Reading
  // max() per row instead costs a scan over the versions this transaction already wrote (a
  // 5,000-account import went from 44 s to under 3 s).
  // Called for every account write, so it also counts a change of reconciliation's inputs.
  std::int64_t next_change(TenantId tenant) {
    inputs_changed(tenant);
    auto it = next_change_.find(tenant);
    if (it == next_change_.end()) {
      auto& s =
          c_->cached("SELECT coalesce(max(changed_at), 0) + 1 FROM accounts WHERE tenant_id = ?");
      s.bind_all(tenant);
      s.step();
      it = next_change_.emplace(tenant, s.integer(0)).first;
    }
    return it->second++;
  }
  UpsertResult upsert_account(TenantId tenant, const AccountRow& a) override {
    lock(tenant);
    auto before = account(tenant, a.kind, a.account_id);
    if (!before) {
      c_->cached(
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
    c_->cached(
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
    lock(tenant);
    c_->cached(
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
    lock(tenant);
    c_->cached(
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
    lock(tenant);
    auto& s = c_->cached(std::string(kAccountCols) +
                         "WHERE tenant_id = ? AND kind = ? AND account_id = ?");
    s.bind_all(tenant, to_int(kind), account_id);
    if (!s.step()) return std::nullopt;
    return read_account(s);
  }
  void for_each_account(TenantId tenant, AccountKind kind,
                        const std::function<void(AccountRow&&)>& each) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kAccountCols) +
                         "WHERE tenant_id = ? AND kind = ? ORDER BY account_id");
    s.bind_all(tenant, to_int(kind));
    while (s.step()) each(read_account(s));
  }
  std::int64_t account_count(TenantId tenant) override {
    lock(tenant);
    auto& s = c_->cached("SELECT count(*) FROM accounts WHERE tenant_id = ?");
    s.bind_all(tenant);
    s.step();
    return s.integer(0);
  }

  std::int64_t account_count(TenantId tenant, const std::string& status) override {
    lock(tenant);
    auto& s = c_->cached("SELECT count(*) FROM accounts WHERE tenant_id = ? AND status = ?");
    s.bind_all(tenant, status);
    s.step();
    return s.integer(0);
  }

  // QuickBooks pages arrive 500 records at a time: written kEntriesPerStatement rows per
  // statement, so a 20,000-customer first sync costs a hundred round trips, not 20,000.
  static constexpr std::size_t kEntriesPerStatement = 250;
  static std::string upsert_entries_sql(std::size_t rows) {
    std::string sql =
        "INSERT INTO qb_entries(tenant_id, list, list_id, full_name, name, parent_list_id, "
        "is_active, edit_sequence, time_modified, seen_run, company_name, first_name, last_name, "
        "phone, alt_phone, email, addr1, postal_code) VALUES";
    for (std::size_t i = 0; i < rows; ++i)
      sql += std::string(i ? "," : "") + "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    return sql +
           " ON CONFLICT(tenant_id, list, list_id) DO UPDATE SET full_name=excluded.full_name, "
           "name=excluded.name, parent_list_id=excluded.parent_list_id, "
           "is_active=excluded.is_active, edit_sequence=excluded.edit_sequence, "
           "time_modified=excluded.time_modified, seen_run=excluded.seen_run, "
           "company_name=excluded.company_name, first_name=excluded.first_name, "
           "last_name=excluded.last_name, phone=excluded.phone, alt_phone=excluded.alt_phone, "
           "email=excluded.email, addr1=excluded.addr1, postal_code=excluded.postal_code";
  }
  void upsert_entries(TenantId tenant, const std::vector<QbRow>& rows, RunId seen_in) override {
    lock(tenant);
    const auto bind_row = [&](pg::Query& s, int first, const QbRow& r) {
      s.bind_from(first, tenant, to_int(r.list), r.list_id, r.full_name, r.name, r.parent_list_id,
                  r.is_active, r.edit_sequence, r.time_modified, seen_in, r.company_name,
                  r.first_name, r.last_name, r.phone, r.alt_phone, r.email, r.addr1, r.postal_code);
    };
    // Compared only until this transaction has counted a change: one more changes nothing.
    if (!rows.empty() && (input_changes_.contains(tenant) || !same_entries(tenant, rows)))
      inputs_changed(tenant);
    std::size_t done = 0;
    while (rows.size() - done >= kEntriesPerStatement) {
      // One statement may not touch a row twice: a chunk naming one ListID twice goes row by
      // row (in order, the last one wins as it would have).
      std::set<std::pair<QbList, std::string>> keys;
      for (std::size_t i = done; i < done + kEntriesPerStatement; ++i)
        keys.emplace(rows[i].list, rows[i].list_id);
      if (keys.size() != kEntriesPerStatement) break;
      auto& s = c_->cached(upsert_entries_sql(kEntriesPerStatement));
      for (std::size_t i = 0; i < kEntriesPerStatement; ++i)
        bind_row(s, static_cast<int>(i * 18 + 1), rows[done + i]);
      s.run();
      done += kEntriesPerStatement;
    }
    auto& one = c_->cached(upsert_entries_sql(1));
    for (; done < rows.size(); ++done) {
      bind_row(one, 1, rows[done]);
      one.run();
      one.reset();
    }
  }
  int delete_unseen(TenantId tenant, QbList list, RunId run) override {
    lock(tenant);
    c_->cached("DELETE FROM qb_entries WHERE tenant_id = ? AND list = ? AND seen_run <> ?")
        .bind_all(tenant, to_int(list), run)
        .run();
    return static_cast<int>(counted(tenant, c_->changes()));
  }
  // An incremental run re-reads each list's newest entries (FromModifiedDate is inclusive, and
  // overlapped), a full refresh every entry: rows identical to what is stored are no change of
  // reconciliation's inputs. Stops at the first difference (a first sync: at once).
  bool same_entries(TenantId tenant, const std::vector<QbRow>& rows) {
    auto& s = c_->cached(
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
      if (!same) return false;
    }
    return true;
  }
  void for_each_entry(TenantId tenant, const std::function<void(QbRow&&)>& each) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kEntryCols) + "WHERE tenant_id = ?");
    s.bind_all(tenant);
    while (s.step()) each(read_entry(s));
  }
  ListMark list_mark(TenantId tenant, QbList list) override {
    lock(tenant);
    auto& s = c_->cached(
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
    lock(tenant);
    c_->cached(
          "INSERT INTO list_marks(tenant_id, list, max_time_modified, last_full_at) "
          "VALUES(?,?,?,?) ON CONFLICT(tenant_id, list) DO UPDATE SET "
          "max_time_modified=excluded.max_time_modified, last_full_at=excluded.last_full_at")
        .bind_all(tenant, to_int(list), m.max_time_modified, m.last_full_at)
        .run();
  }

  bool enqueue_add(TenantId tenant, const OutboxRow& r) override {
    lock(tenant);
    auto& s = c_->cached(
        "SELECT count(*) FROM outbox WHERE tenant_id = ? AND kind = ? AND account_id = ? AND "
        "state IN (?,?,?,?,?)");
    s.bind_all(tenant, to_int(r.kind), r.account_id, static_cast<int>(AddState::Queued),
               static_cast<int>(AddState::Sent), static_cast<int>(AddState::InDoubt),
               static_cast<int>(AddState::Collided), static_cast<int>(AddState::Proposed));
    s.step();
    if (s.integer(0) > 0) return false;
    const AddState state = r.state == AddState::Proposed ? AddState::Proposed : AddState::Queued;
    c_->cached(
          "INSERT INTO outbox(tenant_id, kind, account_id, name, state, run_id, reason, "
          "created_at) VALUES(?,?,?,?,?,?,?,?)")
        .bind_all(tenant, to_int(r.kind), r.account_id, r.name, static_cast<int>(state), r.run_id,
                  r.reason, r.created_at)
        .run();
    inputs_changed(tenant);
    return true;
  }
  std::vector<OutboxRow> outbox(TenantId tenant, AddState state, int limit) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kOutboxCols) +
                         "WHERE tenant_id = ? AND state = ? ORDER BY id LIMIT ?");
    s.bind_all(tenant, static_cast<int>(state), limit);
    std::vector<OutboxRow> out;
    while (s.step()) out.push_back(read_outbox(s));
    return out;
  }
  // Every row-id call names the tenant too: an id alone must never reach another tenant's row.
  bool set_add_state(TenantId tenant, OutboxId id, AddState state, RunId run,
                     const std::string& list_id, const std::string& error) override {
    lock(tenant);
    c_->cached(
          "UPDATE outbox SET state = ?, run_id = ?, list_id = ?, error = ? "
          "WHERE id = ? AND tenant_id = ?")
        .bind_all(static_cast<int>(state), run, list_id, error, id.value, tenant)
        .run();
    return counted(tenant, c_->changes()) > 0;
  }
  std::optional<OutboxRow> outbox_row(TenantId tenant, OutboxId id) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kOutboxCols) + "WHERE id = ? AND tenant_id = ?");
    s.bind_all(id.value, tenant);
    if (!s.step()) return std::nullopt;
    return read_outbox(s);
  }

  int mark_sent_in_doubt(TenantId tenant) override {
    lock(tenant);
    c_->cached("UPDATE outbox SET state = ? WHERE tenant_id = ? AND state = ?")
        .bind_all(static_cast<int>(AddState::InDoubt), tenant, static_cast<int>(AddState::Sent))
        .run();
    return static_cast<int>(counted(tenant, c_->changes()));
  }
  void cancel_queued_add(TenantId tenant, AccountKind kind,
                         const std::string& account_id) override {
    lock(tenant);
    c_->cached(
          "UPDATE outbox SET state = ? WHERE tenant_id = ? AND kind = ? AND account_id = ? AND "
          "state IN (?, ?)")
        .bind_all(static_cast<int>(AddState::Cancelled), tenant, to_int(kind), account_id,
                  static_cast<int>(AddState::Queued), static_cast<int>(AddState::Proposed))
        .run();
    counted(tenant, c_->changes());
  }
  std::optional<AddState> last_add_state(TenantId tenant, AccountKind kind,
                                         const std::string& account_id) override {
    lock(tenant);
    auto& s = c_->cached(
        "SELECT state FROM outbox WHERE tenant_id = ? AND kind = ? AND account_id = ? "
        "ORDER BY id DESC LIMIT 1");
    s.bind_all(tenant, to_int(kind), account_id);
    if (!s.step()) return std::nullopt;
    return static_cast<AddState>(s.integer(0));
  }
  std::int64_t count_adds(TenantId tenant, AddState state) override {
    lock(tenant);
    auto& s = c_->cached("SELECT count(*) FROM outbox WHERE tenant_id = ? AND state = ?");
    s.bind_all(tenant, static_cast<int>(state));
    s.step();
    return s.integer(0);
  }

  std::int64_t add_api_token(const ApiToken& t) override {
    if (t.tenant_id) lock(*t.tenant_id);
    auto& s = c_->cached(
        "INSERT INTO api_tokens(tenant_id, name, hash, created_at) VALUES(?,?,?,?) RETURNING id");
    s.bind_all(std::int64_t{0}, t.name, t.hash, t.created_at);
    if (t.tenant_id)
      s.bind(1, *t.tenant_id);
    else
      s.bind_null(1);
    s.step();
    return s.integer(0);
  }
  static constexpr const char* kTokenCols =
      "SELECT id, tenant_id, name, hash, created_at, last_used_at, revoked FROM api_tokens ";
  std::optional<ApiToken> api_token_by_hash(const std::string& hash) override {
    auto& s = c_->cached(std::string(kTokenCols) + "WHERE hash = ?");
    s.bind_all(hash);
    if (!s.step()) return std::nullopt;
    auto t = read_token(s);
    s.reset();
    return t;
  }
  std::vector<ApiToken> api_tokens(std::optional<TenantId> tenant) override {
    std::vector<ApiToken> out;
    if (tenant) {
      lock(*tenant);
      auto& s = c_->cached(std::string(kTokenCols) + "WHERE tenant_id = ? ORDER BY id");
      s.bind_all(*tenant);
      while (s.step()) out.push_back(read_token(s));
    } else {
      auto& s = c_->cached(std::string(kTokenCols) + "WHERE tenant_id IS NULL ORDER BY id");
      while (s.step()) out.push_back(read_token(s));
    }
    return out;
  }
  bool revoke_api_token(std::optional<TenantId> tenant, std::int64_t id) override {
    if (tenant) lock(*tenant);
    if (tenant)
      c_->cached("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND tenant_id = ?")
          .bind_all(id, *tenant)
          .run();
    else
      c_->cached("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND tenant_id IS NULL")
          .bind_all(id)
          .run();
    return c_->changes() > 0;
  }
  void touch_api_token(std::int64_t id, std::int64_t at) override {
    c_->cached("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind_all(at, id).run();
  }

  std::vector<AccountRow> accounts_changed(TenantId tenant, std::int64_t after,
                                           std::optional<AccountKind> kind,
                                           const std::string& status, int limit) override {
    lock(tenant);
    auto& s = c_->cached(std::string(kAccountCols) +
                         "WHERE tenant_id = ? AND changed_at > ? AND (? < 0 OR kind = ?) AND "
                         "(? = '' OR status = ?) ORDER BY changed_at LIMIT ?");
    const std::int64_t k = kind ? to_int(*kind) : -1;
    s.bind_all(tenant, after, k, k, status, status, limit);
    std::vector<AccountRow> out;
    while (s.step()) out.push_back(read_account(s));
    return out;
  }
  std::int64_t last_account_change(TenantId tenant) override {
    lock(tenant);
    const auto it = next_change_.find(tenant);
    if (it != next_change_.end()) return it->second - 1;
    auto& s = c_->cached("SELECT coalesce(max(changed_at), 0) FROM accounts WHERE tenant_id = ?");
    s.bind_all(tenant);
    s.step();
    return s.integer(0);
  }

  std::optional<Webhook> webhook(TenantId tenant) override {
    lock(tenant);
    auto& s =
        c_->cached("SELECT tenant_id, url, secret, created_at FROM webhooks WHERE tenant_id = ?");
    s.bind_all(tenant);
    if (!s.step()) return std::nullopt;
    Webhook w{s.integer(0), s.text(1), s.text(2), s.integer(3)};
    s.reset();
    return w;
  }
  void set_webhook(const Webhook& w) override {
    lock(w.tenant_id);
    c_->cached(
          "INSERT INTO webhooks(tenant_id, url, secret, created_at) VALUES(?,?,?,?) "
          "ON CONFLICT(tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, "
          "created_at = excluded.created_at")
        .bind_all(w.tenant_id, w.url, w.secret, w.created_at)
        .run();
  }
  bool remove_webhook(TenantId tenant) override {
    lock(tenant);
    c_->cached("DELETE FROM webhooks WHERE tenant_id = ?").bind_all(tenant).run();
    const bool had = c_->changes() > 0;
    c_->cached("DELETE FROM webhook_deliveries WHERE tenant_id = ? AND state = ?")
        .bind_all(tenant, static_cast<std::int64_t>(DeliveryState::Pending))
        .run();
    return had;
  }
  std::int64_t enqueue_delivery(const Delivery& d) override {
    lock(d.tenant_id);
    auto& s = c_->cached(
        "INSERT INTO webhook_deliveries(tenant_id, run_id, changed_after, changed_upto, body, "
        "state, attempts, next_at, created_at) VALUES(?,?,?,?,?,?,?,?,?) RETURNING id");
    s.bind_all(d.tenant_id, d.run_id, d.changed_after, d.changed_upto, d.body,
               static_cast<std::int64_t>(d.state), d.attempts, d.next_at, d.created_at)
        .step();
    return s.integer(0);
  }
  static constexpr const char* kDeliveryFields =
      "id, tenant_id, run_id, changed_after, changed_upto, body, state, attempts, next_at, "
      "created_at, last_status, last_error";
  // One statement: instances claiming at once each get other rows (SKIP LOCKED), never the same.
  std::vector<Delivery> claim_deliveries(std::int64_t now, std::int64_t lease_until,
                                         int limit) override {
    auto& s = c_->cached(
        std::string("WITH picked AS (SELECT ") + kDeliveryFields +
        " FROM webhook_deliveries WHERE state = ? AND next_at <= ? ORDER BY next_at, id LIMIT ? "
        "FOR UPDATE SKIP LOCKED), claimed AS (UPDATE webhook_deliveries w SET next_at = ? FROM "
        "picked WHERE w.id = picked.id) SELECT " +
        kDeliveryFields + " FROM picked ORDER BY next_at, id");
    s.bind_all(static_cast<std::int64_t>(DeliveryState::Pending), now, limit, lease_until);
    std::vector<Delivery> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
  }
  void save_delivery(const Delivery& d) override {
    c_->cached(
          "UPDATE webhook_deliveries SET body = ?, state = ?, attempts = ?, next_at = ?, "
          "last_status = ?, last_error = ? WHERE id = ?")
        .bind_all(d.body, static_cast<std::int64_t>(d.state), d.attempts, d.next_at, d.last_status,
                  d.last_error, d.id)
        .run();
  }
  std::vector<Delivery> deliveries(TenantId tenant, int limit) override {
    lock(tenant);
    auto& s = c_->cached(std::string("SELECT ") + kDeliveryFields +
                         " FROM webhook_deliveries WHERE tenant_id = ? ORDER BY id DESC LIMIT ?");
    s.bind_all(tenant, limit);
    std::vector<Delivery> out;
    while (s.step()) out.push_back(read_delivery(s));
    return out;
  }

  std::vector<EventRow> tenant_events(TenantId tenant, RunId run) override {
    lock(tenant);
    auto& s = c_->cached(
        "SELECT id, run_id, at, level, kind, account_kind, account_id, message FROM events "
        "WHERE tenant_id = ? AND run_id = ? ORDER BY id");
    s.bind_all(tenant, run);
    std::vector<EventRow> out;
    while (s.step()) out.push_back(read_event(s));
    return out;
  }

  std::int64_t reconcile_inputs_version(TenantId tenant) override {
    lock(tenant);
    auto& s = c_->cached("SELECT inputs_version FROM tenants WHERE id = ?");
    s.bind_all(tenant);
    const std::int64_t committed = s.step() ? s.integer(0) : 0;
    const auto mine = input_changes_.find(tenant);
    return committed + (mine == input_changes_.end() ? 0 : mine->second);
  }
  std::string reconciled_stamp(TenantId tenant) override {
    lock(tenant);
    auto& s = c_->cached("SELECT reconciled_stamp FROM tenants WHERE id = ?");
    s.bind_all(tenant);
    return s.step() ? s.text(0) : std::string();
  }
  void set_reconciled_stamp(TenantId tenant, const std::string& stamp) override {
    lock(tenant);
    c_->cached("UPDATE tenants SET reconciled_stamp = ? WHERE id = ?")
        .bind_all(stamp, tenant)
        .run();
  }

  std::vector<std::string> raw_tables() override {
    auto& s = c_->cached(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'qblink_schema' ORDER BY table_name");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  std::vector<std::string> raw_columns(const std::string& table) override {
    auto& s = c_->cached(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = ? ORDER BY ordinal_position");
    s.bind_all(table);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  std::int64_t raw_count(const std::string& table) override {
    return c_->query("SELECT count(*) FROM " + quoted(table)).integer(0, 0);
  }
  void raw_rows(const std::string& table, const std::vector<std::string>& columns,
                const std::function<void(const RawRow&)>& each) override {
    // A cursor: a large table never sits in memory whole.
    c_->exec("DECLARE qblink_copy NO SCROLL CURSOR FOR SELECT " + column_list(columns) + " FROM " +
             quoted(table));
    RawRow row(columns.size());
    for (;;) {
      const auto r = c_->query("FETCH 5000 FROM qblink_copy");
      for (int i = 0; i < r.rows(); ++i) {
        for (std::size_t k = 0; k < columns.size(); ++k) {
          const int col = static_cast<int>(k);
          row[k] = r.is_null(i, col) ? std::nullopt : std::optional(r.text(i, col));
        }
        each(row);
      }
      if (r.rows() < 5000) break;
    }
    c_->exec("CLOSE qblink_copy");
  }
  void raw_insert(const std::string& table, const std::vector<std::string>& columns,
                  const RawRow& row) override {
    std::string values;
    for (std::size_t i = 0; i < columns.size(); ++i) values += i ? ", ?" : "?";
    auto& s = c_->cached("INSERT INTO " + quoted(table) + "(" + column_list(columns) + ") VALUES(" +
                         values + ")");
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (row[i])
        s.bind(static_cast<int>(i) + 1, *row[i]);
      else
        s.bind_null(static_cast<int>(i) + 1);
    }
    s.run();
  }
  void raw_fix_sequences() override {
    auto& s = c_->cached(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND is_identity = 'YES'");
    std::vector<std::pair<std::string, std::string>> ids;
    while (s.step()) ids.emplace_back(s.text(0), s.text(1));
    for (const auto& [table, column] : ids)
      c_->query("SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max(" + quoted(column) +
                    "), 0) + 1, false) FROM " + quoted(table),
                {quoted(table), column});
  }

 private:
  void inputs_changed(TenantId tenant) { ++input_changes_[tenant]; }
  std::int64_t counted(TenantId tenant, std::int64_t changes) {
    if (changes > 0) inputs_changed(tenant);
    return changes;
  }

  PostgresStore& store_;
  std::unique_ptr<pg::Connection> c_;
  bool write_ = false;
  bool done_ = false;
  std::set<TenantId> locked_;
  std::map<TenantId, std::int64_t> next_change_;
  // Changes of reconciliation's inputs per tenant in this transaction; commit() adds them to
  // tenants.inputs_version.
  std::map<TenantId, std::int64_t> input_changes_;
};

int read_version(pg::Connection& c) {
  if (c.query("SELECT to_regclass('qblink_schema') IS NOT NULL").text(0, 0) != "t") return 0;
  const auto r = c.query("SELECT version FROM qblink_schema");
  return r.rows() ? static_cast<int>(r.integer(0, 0)) : 0;
}

int pool_size_from_env() {
  const char* v = std::getenv("QBLINK_PG_POOL");
  const int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : PostgresStore::kDefaultPoolSize;
}

}  // namespace

PostgresStore::PostgresStore(const std::string& uri, OpenOptions options)
    : uri_(uri), shown_(redact(uri)), pool_size_(pool_size_from_env()) {
  auto conn = take();
  try {
    migrate_on(*conn, options.migrate);
  } catch (...) {
    const bool healthy = !conn->broken();
    give_back(std::move(conn), healthy);
    throw;
  }
  give_back(std::move(conn), true);
}

PostgresStore::~PostgresStore() = default;

std::unique_ptr<pg::Connection> PostgresStore::take() {
  {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, std::chrono::seconds(30),
                         [&] { return !idle_.empty() || open_ < pool_size_; }))
      throw Error("no database connection came free within 30 s (" + std::to_string(pool_size_) +
                  " in use; QBLINK_PG_POOL sets the bound)");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  try {
    return std::make_unique<pg::Connection>(uri_, shown_);
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    freed_.notify_one();
    throw;
  }
}

void PostgresStore::give_back(std::unique_ptr<pg::Connection> conn, bool healthy) {
  {
    std::lock_guard lock(mutex_);
    if (healthy) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  freed_.notify_one();
  conn.reset();  // a broken one closes outside the lock
}

std::unique_ptr<Tx> PostgresStore::begin(bool write) {
  for (int attempt = 0;; ++attempt) {
    auto conn = take();
    conn->set_faults(faults_.get());
    try {
      conn->exec(write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                       : "BEGIN ISOLATION LEVEL REPEATABLE READ");
    } catch (const Error&) {
      const bool broken = conn->broken();
      give_back(std::move(conn), !broken);
      // A connection found dead before anything ran (the server restarted while it sat idle):
      // its idle siblings are as stale, so they go too, and one fresh connection is tried.
      if (!broken || attempt > 0) throw;
      std::vector<std::unique_ptr<pg::Connection>> stale;
      {
        std::lock_guard lock(mutex_);
        open_ -= static_cast<int>(idle_.size());
        stale.swap(idle_);
      }
      continue;
    }
    return std::make_unique<PgTx>(*this, std::move(conn), write);
  }
}

int PostgresStore::migrate_on(pg::Connection& c, bool apply) {
  c.set_faults(nullptr);
  const int latest = latest_schema_version();
  c.exec("BEGIN");
  try {
    // Instances starting at once take turns: the first applies, the others find it done.
    c.query(kLockMigrations);
    const int current = read_version(c);
    if (current > latest)
      throw Error("database schema version " + std::to_string(current) +
                  " is newer than this qblink understands (" + std::to_string(latest) + ")");
    if (apply && current < latest) {
      if (current == 0) c.exec("CREATE TABLE qblink_schema (version BIGINT NOT NULL)");
      const auto steps = migrations();
      for (int v = current; v < latest; ++v) c.exec(steps[static_cast<std::size_t>(v)].postgres);
      c.exec("DELETE FROM qblink_schema");
      c.query("INSERT INTO qblink_schema(version) VALUES(?)", {std::to_string(latest)});
      c.exec("COMMIT");
      return latest;
    }
    c.exec("ROLLBACK");
    return current;
  } catch (...) {
    try {
      c.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

int PostgresStore::migrate() {
  auto conn = take();
  try {
    const int v = migrate_on(*conn, true);
    give_back(std::move(conn), true);
    return v;
  } catch (...) {
    const bool healthy = !conn->broken();
    give_back(std::move(conn), healthy);
    throw;
  }
}

int PostgresStore::schema_version() {
  auto conn = take();
  conn->set_faults(nullptr);
  try {
    const int v = read_version(*conn);
    give_back(std::move(conn), true);
    return v;
  } catch (...) {
    const bool healthy = !conn->broken();
    give_back(std::move(conn), healthy);
    throw;
  }
}

std::optional<std::string> PostgresStore::check() {
  try {
    // A fresh connection: the probe says whether the server answers now, not whether an idle
    // pooled connection survived.
    pg::Connection conn(uri_, shown_);
    const int version = read_version(conn);
    if (version != latest_schema_version())
      return "database schema version " + std::to_string(version) + ", expected " +
             std::to_string(latest_schema_version());
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("database does not answer: ") + e.what();
  }
}

Store::PruneCounts PostgresStore::prune_log(std::int64_t before, int batch) {
  if (batch < 1) batch = 1;
  PruneCounts counts;
  auto conn = take();
  conn->set_faults(nullptr);
  bool healthy = false;
  const auto batched = [&](const char* sql) {
    std::int64_t total = 0;
    for (;;) {
      conn->exec("BEGIN");
      const auto n = conn->query(sql, {std::to_string(before), std::to_string(batch)}).affected();
      conn->exec("COMMIT");
      ++counts.batches;
      total += n;
      if (n < batch) return total;
    }
  };
  try {
    counts.events = batched(
        "DELETE FROM events WHERE id IN "
        "(SELECT id FROM events WHERE at < ?1 ORDER BY id LIMIT ?2)");
    counts.runs = batched(
        "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE outcome <> 'running' "
        "AND (CASE WHEN ended_at > 0 THEN ended_at ELSE started_at END) < ?1 "
        "AND id NOT IN (SELECT MAX(id) FROM runs GROUP BY tenant_id) ORDER BY id LIMIT ?2)");
    healthy = true;
  } catch (...) {
    try {
      conn->exec("ROLLBACK");
      healthy = !conn->broken();
    } catch (...) {
    }
    give_back(std::move(conn), healthy);
    throw;
  }
  give_back(std::move(conn), healthy);
  return counts;
}

std::vector<Store::TenantStatus> PostgresStore::tenant_status() {
  auto conn = take();
  conn->set_faults(nullptr);
  try {
    // One statement is one snapshot; a few grouped scans, never one query per tenant.
    const auto r = conn->query(
        "SELECT t.username, COALESCE(a.n, 0), COALESCE(o.n, 0), COALESCE(r.last, 0) FROM tenants "
        "t LEFT JOIN (SELECT tenant_id, count(*) AS n FROM accounts WHERE status = 'review' "
        "GROUP BY tenant_id) a ON a.tenant_id = t.id "
        "LEFT JOIN (SELECT tenant_id, count(*) AS n FROM outbox WHERE state = ?1 "
        "GROUP BY tenant_id) o ON o.tenant_id = t.id "
        "LEFT JOIN (SELECT tenant_id, max(ended_at) AS last FROM runs WHERE outcome = 'ok' "
        "GROUP BY tenant_id) r ON r.tenant_id = t.id "
        "ORDER BY t.username",
        {std::to_string(static_cast<int>(AddState::Proposed))});
    std::vector<TenantStatus> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2), r.integer(i, 3)});
    give_back(std::move(conn), true);
    return out;
  } catch (...) {
    const bool healthy = !conn->broken();
    give_back(std::move(conn), healthy);
    throw;
  }
}

void PostgresStore::set_fault_injector(std::shared_ptr<FaultInjector> faults) {
  faults_ = std::move(faults);
}

}  // namespace qblink::store

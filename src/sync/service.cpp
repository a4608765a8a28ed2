#include "sync/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "qblink/version.h"
#include "qbxml/qbxml.h"
#include "reconcile/reconcile.h"
#include "session/machine.h"
#include "sync/auth.h"

namespace qblink::sync {
namespace {

using nlohmann::json;
using reconcile::AccountKind;
using reconcile::QbList;
using store::AddState;
using store::SessionStatus;

constexpr QbList kPlan[] = {QbList::Customer, QbList::Vendor, QbList::Employee, QbList::OtherName};
constexpr int kPlanSize = 4;

qbxml::ListKind to_qbxml(QbList list) {
  switch (list) {
    case QbList::Customer:
      return qbxml::ListKind::Customer;
    case QbList::Vendor:
      return qbxml::ListKind::Vendor;
    case QbList::Employee:
      return qbxml::ListKind::Employee;
    case QbList::OtherName:
      return qbxml::ListKind::OtherName;
  }
  return qbxml::ListKind::Customer;
}

QbList from_qbxml(qbxml::ListKind kind) {
  switch (kind) {
    case qbxml::ListKind::Customer:
      return QbList::Customer;
    case qbxml::ListKind::Vendor:
      return QbList::Vendor;
    case qbxml::ListKind::Employee:
      return QbList::Employee;
    case qbxml::ListKind::OtherName:
      return QbList::OtherName;
  }
  return QbList::Customer;
}

// Everything about one QBWC session that must survive between calls (stored as JSON).
struct SessionData {
  session::State machine;
  int full_mask = 0;        // bit per plan list: this session fetches it completely
  std::string list_max_tm;  // newest TimeModified seen in the list being fetched
  int linked = 0, added = 0, errors = 0;
  std::int64_t records_fetched = 0;
  // The company this session talks to; recorded for the tenant when its first run succeeds.
  std::string file_id, company_name, company_path;
};

std::string encode(const SessionData& d) {
  const auto& m = d.machine;
  return json{{"phase", session::to_string(m.phase)},
              {"list", m.list_index},
              {"iter", m.iterator_id},
              {"remaining", m.remaining},
              {"done", m.units_done},
              {"error", m.error},
              {"major", m.qbxml_major},
              {"minor", m.qbxml_minor},
              {"full", d.full_mask},
              {"maxtm", d.list_max_tm},
              {"linked", d.linked},
              {"added", d.added},
              {"errors", d.errors},
              {"fetched", d.records_fetched},
              {"file_id", d.file_id},
              {"company", d.company_name},
              {"path", d.company_path}}
      .dump();
}

SessionData decode(const std::string& text) {
  SessionData d;
  if (text.empty()) return d;
  const json j = json::parse(text);
  auto& m = d.machine;
  m.phase = session::phase_from_string(j.value("phase", "failed"));
  m.list_index = j.value("list", 0);
  m.iterator_id = j.value("iter", "");
  m.remaining = j.value("remaining", -1);
  m.units_done = j.value("done", 0);
  m.error = j.value("error", "");
  m.qbxml_major = j.value("major", 0);
  m.qbxml_minor = j.value("minor", 0);
  d.full_mask = j.value("full", 0);
  d.list_max_tm = j.value("maxtm", "");
  d.linked = j.value("linked", 0);
  d.added = j.value("added", 0);
  d.errors = j.value("errors", 0);
  d.records_fetched = j.value("fetched", std::int64_t{0});
  d.file_id = j.value("file_id", "");
  d.company_name = j.value("company", "");
  d.company_path = j.value("path", "");
  return d;
}

json candidates_json(const std::vector<reconcile::Candidate>& cs) {
  json arr = json::array();
  for (const auto& c : cs) {
    json kinds = json::array();
    for (auto k : c.kinds) kinds.push_back(std::string(reconcile::to_string(k)));
    arr.push_back({{"list", std::string(reconcile::to_string(c.list))},
                   {"list_id", c.list_id},
                   {"full_name", c.full_name},
                   {"is_active", c.is_active},
                   {"kinds", kinds}});
  }
  return arr;
}

// One call's unit of work: the transaction, the session row and its decoded state.
struct Call {
  std::unique_ptr<store::Tx> tx;
  store::SessionRow row;
  SessionData data;
  store::Tenant tenant;
  std::int64_t now = 0;

  void event(std::string level, std::string kind, std::string message,
             std::string account_kind = {}, std::string account_id = {}) {
    store::EventRow e;
    e.run_id = row.run_id;
    e.at = now;
    e.level = std::move(level);
    e.kind = std::move(kind);
    e.account_kind = std::move(account_kind);
    e.account_id = std::move(account_id);
    e.message = std::move(message);
    tx->add_event(tenant.id, e);
  }
};

session::Facts facts_for(store::Tx& tx, store::TenantId tenant, const ServiceOptions& o) {
  session::Facts f;
  f.lists_to_fetch = kPlanSize;
  f.in_doubt = static_cast<int>(tx.count_adds(tenant, AddState::InDoubt) +
                                tx.count_adds(tenant, AddState::Collided));
  f.queued_adds = static_cast<int>(tx.count_adds(tenant, AddState::Queued));
  f.page_size = o.page_size;
  f.batch_size = o.batch_size;
  return f;
}

std::string summary_of(const SessionData& d, std::int64_t review) {
  return fmt::format("Linked {}, added {}, {} need review{} - see qblink log", d.linked, d.added,
                     review, d.errors ? fmt::format(", {} failed", d.errors) : std::string());
}

std::int64_t count_review(store::Tx& tx, store::TenantId tenant) {
  return tx.account_count(tenant, "review");
}

void end_run(Call& c, const std::string& outcome) {
  auto run = c.tx->run(c.row.run_id);
  if (!run || run->ended_at != 0) return;
  run->ended_at = c.now;
  run->outcome = outcome;
  run->linked = c.data.linked;
  run->added = c.data.added;
  run->errors = c.data.errors;
  run->review = static_cast<int>(count_review(*c.tx, c.tenant.id));
  run->records_fetched = c.data.records_fetched;
  run->summary = outcome == "ok" ? summary_of(c.data, run->review) : c.data.machine.error;
  c.tx->finish_run(*run);
  const auto& t = c.tenant;
  const bool known = !t.known_file_id.empty() || !t.known_company_name.empty();
  const bool seen = !c.data.file_id.empty() || !c.data.company_name.empty();
  if (outcome == "ok" && !known && seen) {
    c.tx->set_company_identity(t.id, c.data.file_id, c.data.company_name, c.data.company_path);
    c.event("info", "company",
            fmt::format("company file recorded for tenant '{}': \"{}\" at {} (FileID {})",
                        t.username, c.data.company_name, c.data.company_path,
                        c.data.file_id.empty() ? "none" : c.data.file_id));
  }
}

// --- reconciliation, applied to the store ---

void apply_reconcile(Call& c) {
  std::vector<reconcile::QbEntry> entries;
  for (auto& r : c.tx->entries(c.tenant.id))
    entries.push_back(
        {r.list, std::move(r.list_id), std::move(r.full_name), std::move(r.name), r.is_active});
  const reconcile::Snapshot snapshot(std::move(entries));

  for (auto kind : {AccountKind::Customer, AccountKind::Supplier}) {
    auto rows = c.tx->accounts(c.tenant.id, kind);
    std::vector<reconcile::Account> accounts;
    accounts.reserve(rows.size());
    for (const auto& r : rows)
      accounts.push_back({r.account_id, r.name, r.accounting_name,
                          r.status == "linked" ? r.list_id : std::string(), r.declared_new});
    const auto decisions = reconcile::reconcile(kind, accounts, snapshot);
    const std::string kind_text(reconcile::to_string(kind));

    for (std::size_t i = 0; i < decisions.size(); ++i) {
      const auto& d = decisions[i];
      auto row = rows[i];
      const auto before = row;
      row.reason = std::string(reconcile::to_string(d.reason));
      row.detail = d.detail;
      row.candidates = "[]";
      std::string event_kind;
      switch (d.outcome) {
        case reconcile::Outcome::Linked:
          row.status = "linked";
          row.list_id = d.list_id;
          row.qb_full_name = d.full_name;
          if (row.accounting_name.empty()) row.accounting_name = d.full_name;
          if (before.status != "linked" || before.list_id != d.list_id) {
            event_kind = "linked";
            ++c.data.linked;
          }
          if (before.status == "new") c.tx->cancel_queued_add(c.tenant.id, kind, row.account_id);
          break;
        case reconcile::Outcome::Renamed:
          row.status = "linked";
          row.list_id = d.list_id;
          row.qb_full_name = d.full_name;
          row.accounting_name = d.full_name;
          event_kind = "renamed";
          break;
        case reconcile::Outcome::Review:
          row.status = "review";
          row.candidates = candidates_json(d.candidates).dump();
          if (before.status != "review" || before.detail != d.detail) event_kind = "review";
          if (before.status == "new") c.tx->cancel_queued_add(c.tenant.id, kind, row.account_id);
          break;
        case reconcile::Outcome::New: {
          row.status = "new";
          row.qb_full_name = d.full_name;
          store::OutboxRow add;
          add.kind = kind;
          add.account_id = row.account_id;
          add.name = d.full_name;
          add.run_id = c.row.run_id;
          if (c.tx->enqueue_add(c.tenant.id, add)) event_kind = "queued";
          break;
        }
      }
      if (!event_kind.empty()) {
        const bool warn = event_kind == "review";
        c.event(warn ? "warn" : "info", event_kind,
                fmt::format("{} {} \"{}\": {}", kind_text, row.account_id, row.name, d.detail),
                kind_text, row.account_id);
      }
      if (row.status != before.status || row.list_id != before.list_id ||
          row.qb_full_name != before.qb_full_name || row.reason != before.reason ||
          row.detail != before.detail || row.accounting_name != before.accounting_name ||
          row.candidates != before.candidates)
        c.tx->save_account_state(c.tenant.id, row);
    }
  }
}

store::QbRow to_row(const qbxml::ListRecord& r) {
  store::QbRow q;
  q.list = from_qbxml(r.kind);
  q.list_id = r.list_id;
  q.full_name = r.full_name.empty() ? r.name : r.full_name;
  q.name = r.name;
  q.parent_list_id = r.parent_list_id;
  q.edit_sequence = r.edit_sequence;
  q.time_modified = r.time_modified;
  q.is_active = r.is_active;
  return q;
}

void link_account_to(Call& c, AccountKind kind, const std::string& account_id,
                     const qbxml::ListRecord& rec, const std::string& why) {
  auto acc = c.tx->account(c.tenant.id, kind, account_id);
  if (!acc) return;
  acc->status = "linked";
  acc->list_id = rec.list_id;
  acc->qb_full_name = rec.full_name.empty() ? rec.name : rec.full_name;
  if (acc->accounting_name.empty()) acc->accounting_name = acc->qb_full_name;
  acc->reason = why;
  acc->detail = fmt::format("ListID {}", rec.list_id);
  acc->candidates = "[]";
  c.tx->save_account_state(c.tenant.id, *acc);
}

void hold_for_review(Call& c, AccountKind kind, const std::string& account_id,
                     const std::string& reason, const std::string& detail) {
  auto acc = c.tx->account(c.tenant.id, kind, account_id);
  if (!acc) return;
  acc->status = "review";
  acc->reason = reason;
  acc->detail = detail;
  c.tx->save_account_state(c.tenant.id, *acc);
}

std::vector<store::OutboxRow> in_doubt_rows(store::Tx& tx, store::TenantId tenant, int limit) {
  auto rows = tx.outbox(tenant, AddState::InDoubt, limit);
  auto collided = tx.outbox(tenant, AddState::Collided, limit);
  rows.insert(rows.end(), collided.begin(), collided.end());
  if (static_cast<int>(rows.size()) > limit) rows.resize(static_cast<std::size_t>(limit));
  return rows;
}

}  // namespace

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Service::Service(store::Store& store, ServiceOptions options, Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)) {}

std::mutex& Service::tenant_lock(store::TenantId tenant) {
  std::lock_guard guard(locks_mutex_);
  auto& slot = locks_[tenant];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

std::mutex& Service::tenant_lock(const std::string& ticket) {
  store::TenantId tenant = 0;
  {
    auto tx = store_.begin(false);
    if (auto s = tx->session(ticket)) tenant = s->tenant_id;
  }
  return tenant_lock(tenant);  // tenant 0 serialises calls with unknown tickets: cheap ones
}

std::string Service::server_version() { return std::string("qblink ") + kVersion; }

std::string Service::client_version(const std::string& version) {
  // QBWC 2.0 brought NoOp, interactive mode and the update lock; before it nothing works.
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) < 1)
    return "";  // unknown format: let it try rather than refuse a working client
  if (major < 2) return "E:qblink needs QuickBooks Web Connector 2.1 or newer; this is " + version;
  if (major == 2 && minor < 1)
    return "W:qblink is tested with QuickBooks Web Connector 2.1 or newer; this is " + version +
           ". Please upgrade.";
  return "";
}

std::vector<std::string> Service::authenticate(const std::string& user,
                                               const std::string& password) {
  const auto now = clock_();
  std::optional<store::Tenant> tenant;
  {
    auto tx = store_.begin(false);
    tenant = tx->tenant_by_name(user);
  }
  if (!tenant) {
    burn_verify_time(password);
    spdlog::warn("authenticate: unknown user '{}'", user);
    return {"", "nvu"};
  }
  // Repeated failures slow the answers down (bounded, never a permanent lock-out).
  if (tenant->failed_logins >= options_.slow_login_after) {
    const int extra = tenant->failed_logins - options_.slow_login_after;
    const std::int64_t wait = std::min<std::int64_t>(60, std::int64_t{1} << std::min(extra, 6));
    if (now - tenant->last_failed_at < wait) {
      spdlog::warn("authenticate: '{}' is slowed down after {} failed logins", user,
                   tenant->failed_logins);
      return {"", "nvu"};
    }
  }
  if (!verify_password(tenant->password_hash, password)) {
    auto tx = store_.begin(true);
    tx->set_login_failures(tenant->id, tenant->failed_logins + 1, now);
    tx->commit();
    spdlog::warn("authenticate: wrong password for '{}'", user);
    return {"", "nvu"};
  }

  std::lock_guard guard(tenant_lock(tenant->id));
  auto tx = store_.begin(true);
  if (tenant->failed_logins) tx->set_login_failures(tenant->id, 0, 0);
  const auto superseded = tx->supersede_sessions(tenant->id);
  // Adds sent by a session that never heard back (lost, crashed, superseded) are in doubt.
  const int in_doubt = tx->mark_sent_in_doubt(tenant->id);
  const bool work = tx->account_count(tenant->id) > 0 || in_doubt > 0 ||
                    tx->count_adds(tenant->id, AddState::InDoubt) > 0;
  tx->delete_sessions_before(now - 7 * 24 * 3600);

  const std::string ticket = new_ticket();
  store::SessionRow row;
  row.ticket = ticket;
  row.tenant_id = tenant->id;
  row.created_at = row.last_seen_at = now;
  if (!work) {
    row.status = SessionStatus::Closed;
    tx->create_session(row);
    tx->commit();
    spdlog::info("authenticate: '{}' has nothing to do", user);
    return {ticket, "none"};
  }
  row.run_id = tx->start_run(tenant->id, now);
  row.state = encode(SessionData{});
  tx->create_session(row);
  Call c{nullptr, row, {}, *tenant, now};
  c.tx = std::move(tx);
  c.event("info", "qbwc", fmt::format("session started for tenant '{}'", user));
  for (const auto& old : superseded)
    c.event("warn", "qbwc",
            fmt::format("an earlier session ({}...) was still open: superseded by this one",
                        old.substr(0, 8)));
  if (in_doubt)
    c.event("warn", "in-doubt",
            fmt::format("{} add(s) sent earlier got no answer; re-querying them first", in_doubt));
  c.tx->commit();
  return {ticket, tenant->company_file};
}

namespace {

// Loads the session of `ticket` for an update, or explains why it cannot be used.
std::optional<Call> open_call(store::Store& store, const std::string& ticket, std::int64_t now,
                              std::int64_t idle_limit) {
  Call c;
  c.now = now;
  c.tx = store.begin(true);
  auto row = c.tx->session(ticket);
  if (!row || row->status != SessionStatus::Open) return std::nullopt;
  if (now - row->last_seen_at > idle_limit) {
    row->status = SessionStatus::Closed;
    row->last_error = "The session expired after being idle; the next update starts a new one.";
    c.tx->save_session(*row);
    c.tx->commit();
    return std::nullopt;
  }
  c.row = *row;
  c.data = decode(row->state);
  c.tenant = *c.tx->tenant(row->tenant_id);
  return c;
}

void save(Call& c) {
  c.row.state = encode(c.data);
  c.row.last_seen_at = c.now;
  c.row.last_error = c.data.machine.phase == session::Phase::Failed ? c.data.machine.error : "";
  c.tx->save_session(c.row);
  c.tx->commit();
}

// First sendRequestXML: what QuickBooks is, which qbXML to speak, and whether this is the
// company file this tenant has always used.
bool check_host(Call& c, const SendRequestArgs& a) {
  auto& m = c.data.machine;
  const auto owner = c.tx->owner_id();
  const auto host = qbxml::parse_hcp_response(a.hcp_response, owner);
  const qbxml::Version reported{a.qbxml_major, a.qbxml_minor};
  const auto choice = qbxml::choose_version(
      host.ok ? host.supported_versions : std::vector<qbxml::Version>{}, reported);
  if (!choice) {
    const auto min = qbxml::minimum_supported_version();
    session::fail(m, fmt::format("QuickBooks reports qbXML {}.{}; qblink needs qbXML {}.{} or "
                                 "newer (QuickBooks 2006 or later). No request was sent; please "
                                 "update QuickBooks Desktop.",
                                 a.qbxml_major, a.qbxml_minor, min.major, min.minor));
    c.event("error", "qbxml-version", m.error);
    return false;
  }
  const qbxml::Version chosen = *choice;
  m.qbxml_major = chosen.major;
  m.qbxml_minor = chosen.minor;

  const std::string found_id = host.ok ? host.file_id : "";
  const std::string found_name = host.ok ? host.company_name : "";
  const auto& t = c.tenant;
  const bool known = !t.known_file_id.empty() || !t.known_company_name.empty();
  bool same = true;
  if (known) {
    if (!t.known_file_id.empty() && !found_id.empty())
      same = t.known_file_id == found_id;
    else
      same = t.known_company_name == found_name && t.known_company_path == a.company_file_name;
  }
  if (!same) {
    session::fail(
        m, fmt::format("Wrong company file for tenant '{}': expected \"{}\" ({}, FileID "
                       "{}), found \"{}\" ({}, FileID {}). No request was sent. If the "
                       "company file really moved, run: qblink user reset-company {}",
                       t.username, t.known_company_name, t.known_company_path,
                       t.known_file_id.empty() ? "none" : t.known_file_id, found_name,
                       a.company_file_name, found_id.empty() ? "none" : found_id, t.username));
    c.event("error", "company", m.error);
    return false;
  }
  c.event("info", "company",
          fmt::format("{} ({}), company \"{}\" at {}, qbXML {}.{} reported, {}.{} used",
                      host.product_name.empty() ? "?" : host.product_name,
                      a.country.empty() ? host.country : a.country, found_name, a.company_file_name,
                      a.qbxml_major, a.qbxml_minor, chosen.major, chosen.minor));
  c.data.file_id = found_id;
  c.data.company_name = found_name;
  c.data.company_path = a.company_file_name;
  return true;
}

}  // namespace

std::string Service::send_request_xml(const SendRequestArgs& a) {
  std::lock_guard guard(tenant_lock(a.ticket));
  auto call = open_call(store_, a.ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return "";
  Call& c = *call;
  auto& m = c.data.machine;
  try {
    if (m.phase == session::Phase::Authenticated) {
      if (!check_host(c, a)) {
        end_run(c, "failed");
        save(c);
        return "";
      }
      // Decide per list, once per session, whether this fetch is complete or incremental.
      for (int i = 0; i < kPlanSize; ++i) {
        const auto mark = c.tx->list_mark(c.tenant.id, kPlan[i]);
        if (mark.last_full_at == 0 || mark.max_time_modified.empty() ||
            c.now - mark.last_full_at >= options_.full_refresh_seconds)
          c.data.full_mask |= 1 << i;
      }
    }
    const qbxml::Version version{m.qbxml_major, m.qbxml_minor};
    for (;;) {
      auto facts = facts_for(*c.tx, c.tenant.id, options_);
      const auto action = session::next_request(m, facts);
      switch (action.kind) {
        case session::ActionKind::Reconcile:
          apply_reconcile(c);
          continue;
        case session::ActionKind::QueryInDoubt: {
          qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
          for (const auto& row : in_doubt_rows(*c.tx, c.tenant.id, options_.batch_size)) {
            qbxml::ListQuery q;
            q.kind = to_qbxml(reconcile::list_for(row.kind));
            q.request_id = fmt::format("d{}", row.id);
            q.full_names = {row.name};
            b.add(q);
          }
          save(c);
          return b.finish();
        }
        case session::ActionKind::QueryPage: {
          const QbList list = kPlan[action.list_index];
          qbxml::ListQuery q;
          q.kind = to_qbxml(list);
          q.request_id = fmt::format("p{}", action.list_index);
          // Only customers and vendors can be paged: EmployeeQuery and OtherNameQuery have no
          // iterator in qbXML, and those lists are small enough to come in one answer.
          if (qbxml::can_page(q.kind, version)) {
            q.iterator =
                action.iterator_id.empty() ? qbxml::Iterator::Start : qbxml::Iterator::Continue;
            q.iterator_id = action.iterator_id;
            q.max_returned = options_.page_size;
          }
          if (!(c.data.full_mask & (1 << action.list_index))) {
            const auto mark = c.tx->list_mark(c.tenant.id, list);
            q.from_modified_date = qbxml::datetime_minus_seconds(mark.max_time_modified,
                                                                 options_.modified_overlap_seconds);
          }
          qbxml::MessageSetBuilder b(version, qbxml::OnError::StopOnError);
          b.add(q);
          save(c);
          return b.finish();
        }
        case session::ActionKind::SendAdds: {
          qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
          const auto batch = c.tx->outbox(c.tenant.id, AddState::Queued, options_.batch_size);
          for (const auto& row : batch) {
            auto acc = c.tx->account(c.tenant.id, row.kind, row.account_id);
            qbxml::AddRequest r;
            r.kind = to_qbxml(reconcile::list_for(row.kind));
            r.request_id = fmt::format("a{}", row.id);
            r.fields.name = row.name;
            if (acc) {
              r.fields.company_name = acc->company_name;
              r.fields.first_name = acc->first_name;
              r.fields.last_name = acc->last_name;
              r.fields.phone = acc->phone;
              r.fields.email = acc->email;
              r.fields.addr1 = acc->addr1;
              r.fields.addr2 = acc->addr2;
              r.fields.city = acc->city;
              r.fields.state = acc->state;
              r.fields.postal_code = acc->postal_code;
              r.fields.country = acc->country;
            }
            std::vector<qbxml::Shortened> shortened;
            b.add(r, &shortened);
            for (const auto& s : shortened)
              c.event("warn", "shortened",
                      fmt::format("{} {}: {} shortened from {} to {} characters",
                                  reconcile::to_string(row.kind), row.account_id, s.field,
                                  s.original_length, s.limit),
                      std::string(reconcile::to_string(row.kind)), row.account_id);
            // Recorded as sent in this transaction, which commits before the XML leaves.
            c.tx->set_add_state(row.id, AddState::Sent, c.row.run_id, "", "");
          }
          c.event("info", "adds-sent", fmt::format("sent a batch of {} add(s)", batch.size()));
          save(c);
          return b.finish();
        }
        case session::ActionKind::Finish:
          save(c);
          return "";
        case session::ActionKind::Error:
          save(c);
          return "";
      }
    }
  } catch (const std::exception& e) {
    // A bug or a store failure: roll back this call, end the session with a readable reason.
    spdlog::error("sendRequestXML failed: {}", e.what());
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = tx->session(a.ticket)) {
      row->last_error = std::string("qblink internal error: ") + e.what();
      tx->save_session(*row);
      tx->commit();
    }
    return "";
  }
}

int Service::receive_response_xml(const ReceiveResponseArgs& a) {
  std::lock_guard guard(tenant_lock(a.ticket));
  auto call = open_call(store_, a.ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return -1;
  Call& c = *call;
  auto& m = c.data.machine;
  try {
    if (!a.hresult.empty()) {
      session::on_quickbooks_error(m, a.hresult, a.message);
      // The whole message set was refused; anything it carried is in doubt, never assumed.
      for (const auto& row : c.tx->outbox(c.tenant.id, AddState::Sent, 1 << 30))
        c.tx->set_add_state(row.id, AddState::InDoubt, c.row.run_id, "", "");
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    const auto parsed = qbxml::parse_response(a.response);
    if (!parsed.ok) {
      session::fail(m, "qblink could not read QuickBooks' response: " + parsed.error);
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    auto facts = facts_for(*c.tx, c.tenant.id, options_);
    bool answered_in_doubt = false, answered_adds = false;
    for (const auto& item : parsed.items) {
      const std::string& rid = item.request_id;
      if (rid.size() < 2) continue;
      const char tag = rid[0];
      if (tag == 'p') {
        const QbList list = from_qbxml(item.kind);
        const int index = std::stoi(rid.substr(1));
        if (item.status.severity == "Error") {
          session::fail(
              m, fmt::format("QuickBooks refused the {} query: {} ({})", reconcile::to_string(list),
                             item.status.message, item.status.code));
          c.event("error", "quickbooks", m.error);
          break;
        }
        std::vector<store::QbRow> rows;
        rows.reserve(item.records.size());
        for (const auto& r : item.records) {
          rows.push_back(to_row(r));
          if (r.time_modified > c.data.list_max_tm) c.data.list_max_tm = r.time_modified;
        }
        c.data.records_fetched += static_cast<std::int64_t>(rows.size());
        c.tx->upsert_entries(c.tenant.id, rows, c.row.run_id);
        session::on_page(m, item.iterator_remaining, item.iterator_id);
        if (m.list_index != index) {  // that list is complete
          const bool full = c.data.full_mask & (1 << index);
          auto mark = c.tx->list_mark(c.tenant.id, list);
          if (full) {
            const int gone = c.tx->delete_unseen(c.tenant.id, list, c.row.run_id);
            if (gone)
              c.event("info", "snapshot",
                      fmt::format("{} {} entr{} no longer in QuickBooks", gone,
                                  reconcile::to_string(list), gone == 1 ? "y is" : "ies are"));
            mark.last_full_at = c.now;
          }
          if (c.data.list_max_tm > mark.max_time_modified)
            mark.max_time_modified = c.data.list_max_tm;
          c.tx->set_list_mark(c.tenant.id, list, mark);
          c.data.list_max_tm.clear();
        }
      } else if (tag == 'd') {
        answered_in_doubt = true;
        const auto row = c.tx->outbox_row(std::stoll(rid.substr(1)));
        if (!row || row->state == AddState::Confirmed) continue;
        const std::string kt(reconcile::to_string(row->kind));
        if (item.status.code == 0 && !item.records.empty()) {
          const auto& rec = item.records.front();
          c.tx->upsert_entries(c.tenant.id, {to_row(rec)}, c.row.run_id);
          c.tx->set_add_state(row->id, AddState::Confirmed, c.row.run_id, rec.list_id, "");
          link_account_to(c, row->kind, row->account_id, rec,
                          row->state == AddState::Collided ? "exact name (after 3100)"
                                                           : "found after a lost response");
          ++c.data.linked;
          c.event("info", "linked",
                  fmt::format("{} {}: \"{}\" is in QuickBooks (ListID {}); linked, not added again",
                              kt, row->account_id, row->name, rec.list_id),
                  kt, row->account_id);
        } else if (row->state == AddState::Collided) {
          c.tx->set_add_state(row->id, AddState::Failed, c.row.run_id, "",
                              "name in use by another QuickBooks list");
          hold_for_review(
              c, row->kind, row->account_id,
              std::string(reconcile::to_string(reconcile::Reason::NameUsedByOtherList)),
              fmt::format("QuickBooks answered 3100 for \"{}\" and no {} has that "
                          "name: another list uses it",
                          row->name, reconcile::to_string(reconcile::list_for(row->kind))));
          c.event("warn", "review",
                  fmt::format("{} {}: \"{}\" is used by another QuickBooks list; held for review",
                              kt, row->account_id, row->name),
                  kt, row->account_id);
        } else {
          // Proven absent: the lost add never reached QuickBooks, so it is sent again.
          c.tx->set_add_state(row->id, AddState::Queued, c.row.run_id, "", "");
          c.event("info", "in-doubt",
                  fmt::format("{} {}: \"{}\" is not in QuickBooks; queued to add again", kt,
                              row->account_id, row->name),
                  kt, row->account_id);
        }
      } else if (tag == 'a') {
        answered_adds = true;
        const auto row = c.tx->outbox_row(std::stoll(rid.substr(1)));
        if (!row) continue;
        const std::string kt(reconcile::to_string(row->kind));
        if (item.status.code == 0 && !item.records.empty()) {
          const auto& rec = item.records.front();
          c.tx->upsert_entries(c.tenant.id, {to_row(rec)}, c.row.run_id);
          c.tx->set_add_state(row->id, AddState::Confirmed, c.row.run_id, rec.list_id, "");
          link_account_to(c, row->kind, row->account_id, rec, "added");
          // Our own adds move the incremental mark, so the next run does not fetch them back.
          const auto list = reconcile::list_for(row->kind);
          auto mark = c.tx->list_mark(c.tenant.id, list);
          if (mark.last_full_at != 0 && rec.time_modified > mark.max_time_modified) {
            mark.max_time_modified = rec.time_modified;
            c.tx->set_list_mark(c.tenant.id, list, mark);
          }
          ++c.data.added;
          c.event("info", "added",
                  fmt::format("{} {}: added \"{}\" to QuickBooks (ListID {})", kt, row->account_id,
                              row->name, rec.list_id),
                  kt, row->account_id);
        } else if (item.status.code == 3100) {
          c.tx->set_add_state(row->id, AddState::Collided, c.row.run_id, "", item.status.message);
          c.event("warn", "collision",
                  fmt::format("{} {}: QuickBooks says \"{}\"; querying that name instead of "
                              "retrying",
                              kt, row->account_id, item.status.message),
                  kt, row->account_id);
        } else {
          c.tx->set_add_state(row->id, AddState::Failed, c.row.run_id, "", item.status.message);
          if (auto acc = c.tx->account(c.tenant.id, row->kind, row->account_id)) {
            acc->status = "error";
            acc->reason = fmt::format("QuickBooks error {}", item.status.code);
            acc->detail = item.status.message;
            c.tx->save_account_state(c.tenant.id, *acc);
          }
          ++c.data.errors;
          c.event("error", "add-failed",
                  fmt::format("{} {}: QuickBooks refused to add \"{}\": {} ({})", kt,
                              row->account_id, row->name, item.status.message, item.status.code),
                  kt, row->account_id);
        }
      }
    }
    if (answered_in_doubt) session::on_in_doubt_answered(m);
    if (answered_adds) session::on_adds_answered(m);
    // Reconcile in-process as soon as the last list is in, so the percent below is honest.
    if (m.phase == session::Phase::Fetch && m.list_index >= kPlanSize) {
      m.phase = session::Phase::Add;
      apply_reconcile(c);
    }
    facts = facts_for(*c.tx, c.tenant.id, options_);
    if ((m.phase == session::Phase::Add) && facts.in_doubt == 0 && facts.queued_adds == 0)
      m.phase = session::Phase::Finished;
    const int pct = session::percent(m, facts);
    if (pct == 100 || pct < 0) end_run(c, pct == 100 ? "ok" : "failed");
    save(c);
    return pct;
  } catch (const std::exception& e) {
    spdlog::error("receiveResponseXML failed: {}", e.what());
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = tx->session(a.ticket)) {
      row->last_error = std::string("qblink internal error: ") + e.what();
      auto data = decode(row->state);
      session::fail(data.machine, row->last_error);
      row->state = encode(data);
      tx->save_session(*row);
      tx->commit();
    }
    return -1;
  }
}

std::string Service::connection_error(const std::string& ticket, const std::string& hresult,
                                      const std::string& message) {
  std::lock_guard guard(tenant_lock(ticket));
  auto call = open_call(store_, ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return "done";
  Call& c = *call;
  session::fail(
      c.data.machine,
      fmt::format("The Web Connector could not open the company file ({}): {}", hresult, message));
  c.event("error", "connection", c.data.machine.error);
  end_run(c, "company not open");
  c.row.status = SessionStatus::Closed;
  save(c);
  return "done";
}

std::string Service::get_last_error(const std::string& ticket) {
  std::lock_guard guard(tenant_lock(ticket));
  auto tx = store_.begin(false);
  const auto row = tx->session(ticket);
  if (!row)
    return "Unknown ticket: this session is not known to qblink (expired or never issued). "
           "The next update will authenticate again.";
  if (row->status == SessionStatus::Superseded) {
    const auto tenant = tx->tenant(row->tenant_id);
    return fmt::format(
        "This session of tenant '{}' was replaced by a newer session; it gets no "
        "more work.",
        tenant ? tenant->username : "?");
  }
  if (!row->last_error.empty()) return row->last_error;
  return session::last_error_text(decode(row->state).machine);
}

std::string Service::close_connection(const std::string& ticket) {
  std::lock_guard guard(tenant_lock(ticket));
  auto tx = store_.begin(true);
  auto row = tx->session(ticket);
  if (!row) return "Unknown ticket; nothing to close.";
  if (row->status == SessionStatus::Superseded) return "Superseded by a newer session.";
  Call c;
  c.now = clock_();
  c.tx = std::move(tx);
  c.row = *row;
  c.data = decode(row->state);
  c.tenant = *c.tx->tenant(row->tenant_id);
  if (row->run_id == 0) {  // authenticate said "none"
    c.tx->commit();
    return "Nothing to do.";
  }
  const auto review = count_review(*c.tx, c.tenant.id);
  std::string text;
  if (c.data.machine.phase == session::Phase::Failed) {
    text = "Failed: " + c.data.machine.error;
    end_run(c, "failed");
  } else if (c.data.machine.phase == session::Phase::Finished) {
    text = summary_of(c.data, review);
    end_run(c, "ok");
  } else {
    text = "Stopped before the end: " + summary_of(c.data, review);
    end_run(c, "incomplete");
  }
  c.event("info", "qbwc", "closeConnection: " + text);
  c.row.status = SessionStatus::Closed;
  c.row.state = encode(c.data);
  c.row.last_seen_at = c.now;
  c.tx->save_session(c.row);
  c.tx->commit();
  return text;
}

std::string Service::get_interactive_url(const std::string&, const std::string&) { return ""; }
std::string Service::interactive_done(const std::string&) { return "Done"; }
std::string Service::interactive_rejected(const std::string&, const std::string& reason) {
  return "qblink has no interactive mode (" + reason + ")";
}

}  // namespace qblink::sync

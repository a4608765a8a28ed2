#include "sync/call.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace qblink::sync::detail {

using nlohmann::json;
using reconcile::QbList;
using store::AddState;
using store::SessionStatus;

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
  q.company_name = r.company_name;
  q.first_name = r.first_name;
  q.last_name = r.last_name;
  q.phone = r.phone;
  q.alt_phone = r.alt_phone;
  q.email = r.email;
  q.addr1 = r.addr1;
  q.postal_code = r.postal_code;
  return q;
}

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
              {"path", d.company_path},
              {"await", d.awaiting},
              {"proposed", d.proposed}}
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
  d.awaiting = j.value("await", std::vector<std::string>{});
  d.proposed = j.value("proposed", 0);
  return d;
}

std::optional<store::SessionRow> locked_session(store::Tx& tx, const std::string& ticket) {
  const auto first = tx.session(ticket);
  if (!first) return std::nullopt;
  // Another instance may be answering this tenant's previous call, or an authenticate may be
  // superseding this session: wait for it, then read the session as it left it.
  tx.lock_tenant(first->tenant_id);
  return tx.session(ticket);
}

std::optional<Call> open_call(store::Store& store, const std::string& ticket, std::int64_t now,
                              std::int64_t idle_limit) {
  Call c;
  c.now = now;
  c.tx = store.begin(true);
  auto row = locked_session(*c.tx, ticket);
  if (!row || row->status != SessionStatus::Open) return std::nullopt;
  if (now - row->last_seen_at > idle_limit) {
    row->status = SessionStatus::Closed;
    row->last_error = "The session expired after being idle; the next update starts a new one.";
    c.tx->save_session(*row);
    c.tx->abandon_runs(row->tenant_id, now);
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

Totals totals_of(store::Tx& tx, store::TenantId tenant) {
  Totals t;
  t.linked = tx.account_count(tenant, "linked");
  t.accounts = tx.account_count(tenant);
  t.review = tx.account_count(tenant, "review");
  t.awaiting_approval = tx.count_adds(tenant, AddState::Proposed);
  return t;
}

std::string summary_of(const SessionData& d, const Totals& t) {
  std::string text =
      fmt::format("Linked {}, added {}, {} need review", d.linked, d.added, t.review);
  if (d.errors) text += fmt::format(", {} failed", d.errors);
  if (t.awaiting_approval)
    text += fmt::format(", {} add{} await{} approval", t.awaiting_approval,
                        t.awaiting_approval == 1 ? "" : "s", t.awaiting_approval == 1 ? "s" : "");
  text += fmt::format(" ({} of {} accounts linked) - see qblink log", t.linked, t.accounts);
  return text;
}

void end_run(Call& c, const std::string& outcome) {
  auto run = c.tx->run(c.row.run_id);
  if (!run || run->ended_at != 0) return;
  run->ended_at = c.now;
  run->outcome = outcome;
  run->linked = c.data.linked;
  run->added = c.data.added;
  run->errors = c.data.errors;
  const auto totals = totals_of(*c.tx, c.tenant.id);
  run->review = static_cast<int>(totals.review);
  run->records_fetched = c.data.records_fetched;
  run->summary = outcome == "ok" ? summary_of(c.data, totals) : c.data.machine.error;
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

}  // namespace qblink::sync::detail

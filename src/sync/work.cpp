#include "sync/work.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace qblink::sync::detail {
namespace {

using nlohmann::json;
using reconcile::AccountKind;
using reconcile::QbList;
using store::AddState;

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

void link_account_to(Call& c, AccountKind kind, const std::string& account_id,
                     const qbxml::ListRecord& rec, const std::string& why) {
  c.tx->link_account(c.tenant.id, kind, account_id, rec.list_id,
                     rec.full_name.empty() ? rec.name : rec.full_name, why,
                     fmt::format("ListID {}", rec.list_id));
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

std::string build_in_doubt_query(Call& c, const ServiceOptions& o, qbxml::Version version) {
  qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
  for (const auto& row : in_doubt_rows(*c.tx, c.tenant.id, o.batch_size)) {
    qbxml::ListQuery q;
    q.kind = to_qbxml(reconcile::list_for(row.kind));
    q.request_id = fmt::format("d{}", row.id);
    q.full_names = {row.name};
    b.add(q);
  }
  return b.finish();
}

std::string build_page_query(Call& c, const ServiceOptions& o, qbxml::Version version,
                             const session::Action& action) {
  const QbList list = kPlan[action.list_index];
  qbxml::ListQuery q;
  q.kind = to_qbxml(list);
  q.request_id = fmt::format("p{}", action.list_index);
  // Only customers and vendors can be paged: EmployeeQuery and OtherNameQuery have no
  // iterator in qbXML, and those lists are small enough to come in one answer.
  if (qbxml::can_page(q.kind, version)) {
    q.iterator = action.iterator_id.empty() ? qbxml::Iterator::Start : qbxml::Iterator::Continue;
    q.iterator_id = action.iterator_id;
    q.max_returned = o.page_size;
  }
  if (!(c.data.full_mask & (1 << action.list_index))) {
    const auto mark = c.tx->list_mark(c.tenant.id, list);
    q.from_modified_date =
        qbxml::datetime_minus_seconds(mark.max_time_modified, o.modified_overlap_seconds);
  }
  qbxml::MessageSetBuilder b(version, qbxml::OnError::StopOnError);
  b.add(q);
  return b.finish();
}

std::string build_add_batch(Call& c, const ServiceOptions& o, qbxml::Version version) {
  qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
  const auto batch = c.tx->outbox(c.tenant.id, AddState::Queued, o.batch_size);
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
  return b.finish();
}

bool apply_page(Call& c, const qbxml::ResponseItem& item, int index) {
  auto& m = c.data.machine;
  const QbList list = from_qbxml(item.kind);
  if (item.status.severity == "Error") {
    session::fail(
        m, fmt::format("QuickBooks refused the {} query: {} ({})", reconcile::to_string(list),
                       item.status.message, item.status.code));
    c.event("error", "quickbooks", m.error);
    return false;
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
    if (c.data.list_max_tm > mark.max_time_modified) mark.max_time_modified = c.data.list_max_tm;
    c.tx->set_list_mark(c.tenant.id, list, mark);
    c.data.list_max_tm.clear();
  }
  return true;
}

void apply_in_doubt(Call& c, const qbxml::ResponseItem& item, std::int64_t outbox_id) {
  const auto row = c.tx->outbox_row(outbox_id);
  if (!row || row->state == AddState::Confirmed) return;
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
            fmt::format("{} {}: \"{}\" is in QuickBooks (ListID {}); linked, not added again", kt,
                        row->account_id, row->name, rec.list_id),
            kt, row->account_id);
  } else if (row->state == AddState::Collided) {
    c.tx->set_add_state(row->id, AddState::Failed, c.row.run_id, "",
                        "name in use by another QuickBooks list");
    hold_for_review(c, row->kind, row->account_id,
                    std::string(reconcile::to_string(reconcile::Reason::NameUsedByOtherList)),
                    fmt::format("QuickBooks answered 3100 for \"{}\" and no {} has that "
                                "name: another list uses it",
                                row->name, reconcile::to_string(reconcile::list_for(row->kind))));
    c.event("warn", "review",
            fmt::format("{} {}: \"{}\" is used by another QuickBooks list; held for review", kt,
                        row->account_id, row->name),
            kt, row->account_id);
  } else {
    // Proven absent: the lost add never reached QuickBooks, so it is sent again.
    c.tx->set_add_state(row->id, AddState::Queued, c.row.run_id, "", "");
    c.event("info", "in-doubt",
            fmt::format("{} {}: \"{}\" is not in QuickBooks; queued to add again", kt,
                        row->account_id, row->name),
            kt, row->account_id);
  }
}

void apply_add(Call& c, const qbxml::ResponseItem& item, std::int64_t outbox_id) {
  const auto row = c.tx->outbox_row(outbox_id);
  if (!row) return;
  const std::string kt(reconcile::to_string(row->kind));
  if (item.status.code == 0 && !item.records.empty()) {
    const auto& rec = item.records.front();
    c.tx->upsert_entries(c.tenant.id, {to_row(rec)}, c.row.run_id);
    c.tx->set_add_state(row->id, AddState::Confirmed, c.row.run_id, rec.list_id, "");
    link_account_to(c, row->kind, row->account_id, rec, "added");
    // Our own adds move the incremental mark (see flush_added_marks), so the next run does not
    // fetch them back.
    auto& newest = c.added_max_tm[reconcile::list_for(row->kind)];
    if (rec.time_modified > newest) newest = rec.time_modified;
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
            fmt::format("{} {}: QuickBooks refused to add \"{}\": {} ({})", kt, row->account_id,
                        row->name, item.status.message, item.status.code),
            kt, row->account_id);
  }
}

void flush_added_marks(Call& c) {
  for (const auto& [list, newest] : c.added_max_tm) {
    auto mark = c.tx->list_mark(c.tenant.id, list);
    if (mark.last_full_at != 0 && newest > mark.max_time_modified) {
      mark.max_time_modified = newest;
      c.tx->set_list_mark(c.tenant.id, list, mark);
    }
  }
  c.added_max_tm.clear();
}

}  // namespace qblink::sync::detail

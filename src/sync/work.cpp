#include "sync/work.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "qblink/version.h"

namespace qblink::sync::detail {
namespace {

using nlohmann::json;
using reconcile::AccountKind;
using reconcile::QbList;
using store::AddState;

// Each candidate with QuickBooks' contact fields, so the admin compares both sides in review.
json candidates_json(const std::vector<reconcile::Candidate>& cs, const reconcile::Snapshot& qb) {
  json arr = json::array();
  for (const auto& c : cs) {
    json kinds = json::array();
    for (auto k : c.kinds) kinds.push_back(std::string(reconcile::to_string(k)));
    json contact = json::object();
    if (const auto* e = qb.by_list_id(c.list, c.list_id))
      contact = {{"company_name", e->company_name},
                 {"first_name", e->first_name},
                 {"last_name", e->last_name},
                 {"phone", e->phone},
                 {"alt_phone", e->alt_phone},
                 {"email", e->email},
                 {"addr1", e->addr1},
                 {"postal_code", e->postal_code}};
    arr.push_back({{"list", std::string(reconcile::to_string(c.list))},
                   {"list_id", c.list_id},
                   {"full_name", c.full_name},
                   {"is_active", c.is_active},
                   {"kinds", kinds},
                   {"score", c.score},
                   {"strong", reconcile::is_strong(c)},
                   {"evidence", c.evidence},
                   {"contact", contact}});
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

namespace {

// The contact evidence both sides carry for near matches (design rule 3), moved field by field.
template <typename From, typename To>
void move_contact(From& from, To& to) {
  to.company_name = std::move(from.company_name);
  to.first_name = std::move(from.first_name);
  to.last_name = std::move(from.last_name);
  to.phone = std::move(from.phone);
  to.email = std::move(from.email);
  to.addr1 = std::move(from.addr1);
  to.postal_code = std::move(from.postal_code);
}

reconcile::QbEntry to_entry(store::QbRow&& r) {
  reconcile::QbEntry e;
  e.list = r.list;
  e.list_id = std::move(r.list_id);
  e.full_name = std::move(r.full_name);
  e.name = std::move(r.name);
  e.is_active = r.is_active;
  e.alt_phone = std::move(r.alt_phone);
  move_contact(r, e);
  return e;
}

// What reconciliation compares and rewrites of an account besides reconcile::Account: kept
// apart, each field moved out of the stored row once, so that a 100,000-account tenant is held
// once in memory rather than as the stored rows and the domain rows side by side (issue 13).
struct Stored {
  std::string status, list_id, qb_full_name, reason, detail, candidates;
};

reconcile::Account to_account(store::AccountRow&& r, std::string linked_list_id) {
  reconcile::Account a;
  a.account_id = std::move(r.account_id);
  a.name = std::move(r.name);
  a.accounting_name = std::move(r.accounting_name);
  a.list_id = std::move(linked_list_id);
  a.declared_new = r.declared_new;
  move_contact(r, a);
  return a;
}

bool add_is_pending(AddState s) {
  return s == AddState::Queued || s == AddState::Sent || s == AddState::InDoubt ||
         s == AddState::Collided || s == AddState::Proposed;
}

// Design rule 6: a tenant's first run with adds, and a run that would add more than the
// tenant's limit, proposes its adds for approval instead of sending them. Empty = send.
std::string approval_reason(store::Tx& tx, const store::Tenant& t, std::size_t fresh) {
  if (fresh == 0 || t.auto_add_limit == store::kUnlimitedAdds) return {};
  if (t.auto_add_limit == 0) return "every add waits for approval (auto-add limit 0)";
  const bool never_added =
      tx.count_adds(t.id, AddState::Confirmed) == 0 && tx.count_adds(t.id, AddState::Queued) == 0 &&
      tx.count_adds(t.id, AddState::Sent) == 0 && tx.count_adds(t.id, AddState::InDoubt) == 0;
  if (never_added) return "the first adds of this company file wait for approval";
  if (fresh > static_cast<std::size_t>(t.auto_add_limit))
    return fmt::format("{} adds in one run is more than the limit of {}", fresh, t.auto_add_limit);
  return {};
}

}  // namespace

void plan_fetch(Call& c, const ServiceOptions& o) {
  bool all_read_before = true;
  for (int i = 0; i < kPlanSize; ++i) {
    const auto mark = c.tx->list_mark(c.tenant.id, kPlan[i]);
    if (mark.last_full_at == 0 || mark.max_time_modified.empty() ||
        c.now - mark.last_full_at >= o.full_refresh_seconds)
      c.data.full_mask |= 1 << i;
    all_read_before = all_read_before && mark.last_full_at != 0;
  }
  // Once every list has been read whole, a run usually brings a few changes (or, for a list
  // refreshed whole, a short list): every list's first page goes in one message set, one
  // exchange with QuickBooks instead of four. A first sync reads list by list, in pages.
  c.data.lists_at_once = all_read_before;
}

namespace {

// What a reconciliation ran on: this build of the rules and the version of its inputs.
std::string reconcile_stamp(Call& c) {
  return fmt::format("{} {}", kVersion, c.tx->reconcile_inputs_version(c.tenant.id));
}

}  // namespace

void apply_reconcile(Call& c) {
  // Reconciliation reads only the tenant's accounts, QuickBooks entries, outbox and auto-add
  // limit, and writes only what its decisions change. When none of those changed since a
  // reconciliation that changed nothing, running it again would change nothing either; loading
  // and indexing every account and entry was most of a no-change run (issue 13).
  const std::string stamp = reconcile_stamp(c);
  if (c.tx->reconciled_stamp(c.tenant.id) == stamp) {
    c.event("info", "reconcile", "nothing changed since the last reconciliation");
    return;
  }
  reconcile_all(c);
  if (reconcile_stamp(c) == stamp) c.tx->set_reconciled_stamp(c.tenant.id, stamp);
}

void reconcile_all(Call& c) {
  std::vector<reconcile::QbEntry> entries;
  c.tx->for_each_entry(c.tenant.id,
                       [&entries](store::QbRow&& r) { entries.push_back(to_entry(std::move(r))); });
  const reconcile::Snapshot snapshot(std::move(entries));

  for (auto kind : {AccountKind::Customer, AccountKind::Supplier}) {
    std::vector<reconcile::Account> accounts;
    std::vector<Stored> stored;
    c.tx->for_each_account(c.tenant.id, kind, [&](store::AccountRow&& r) {
      const bool linked = r.status == "linked";
      stored.push_back({std::move(r.status), std::move(r.list_id), std::move(r.qb_full_name),
                        std::move(r.reason), std::move(r.detail), std::move(r.candidates)});
      accounts.push_back(to_account(std::move(r), linked ? stored.back().list_id : std::string()));
    });
    auto decisions = reconcile::reconcile(kind, accounts, snapshot);
    const std::string kind_text(reconcile::to_string(kind));

    // Which New decisions would start an add now: not already in the outbox, not refused by
    // the admin. A refused add stays in review until the admin links or declares it new.
    std::vector<char> fresh(decisions.size(), 0), refused(decisions.size(), 0);
    std::vector<std::optional<AddState>> last_state(decisions.size());  // read once per account
    std::size_t fresh_count = 0;
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      if (decisions[i].outcome != reconcile::Outcome::New) continue;
      const auto last = last_state[i] =
          c.tx->last_add_state(c.tenant.id, kind, accounts[i].account_id);
      if (last && *last == AddState::Rejected && !accounts[i].declared_new) {
        refused[i] = 1;
      } else if (!last || !add_is_pending(*last)) {
        fresh[i] = 1;
        // An add the admin asked for by declaring the account new needs no second approval.
        if (!accounts[i].declared_new) ++fresh_count;
      }
    }
    const std::string gate = approval_reason(*c.tx, c.tenant, fresh_count);

    for (std::size_t i = 0; i < decisions.size(); ++i) {
      const auto& d = decisions[i];
      const auto& acc = accounts[i];
      const auto& before = stored[i];
      store::AccountRow row;
      row.kind = kind;
      row.account_id = acc.account_id;
      row.name = acc.name;
      row.accounting_name = acc.accounting_name;
      row.declared_new = acc.declared_new;
      row.status = before.status;
      row.list_id = before.list_id;
      row.qb_full_name = before.qb_full_name;
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
          row.candidates = candidates_json(d.candidates, snapshot).dump();
          if (before.status != "review" || before.detail != d.detail) event_kind = "review";
          if (before.status == "new") c.tx->cancel_queued_add(c.tenant.id, kind, row.account_id);
          break;
        case reconcile::Outcome::New: {
          if (refused[i]) {
            row.status = "review";
            row.reason = "add rejected";
            row.detail =
                "the admin rejected adding it: link it to a QuickBooks name, or declare "
                "it new with review reject";
            row.candidates = before.candidates;
            break;
          }
          row.status = "new";
          row.qb_full_name = d.full_name;
          const auto& last = last_state[i];
          if (!fresh[i]) {
            // Already in the outbox: keep what the account said about it (e.g. awaiting approval).
            if (last && *last == AddState::Proposed) {
              row.reason = before.reason;
              row.detail = before.detail;
            }
            break;
          }
          store::OutboxRow add;
          add.kind = kind;
          add.account_id = row.account_id;
          add.name = d.full_name;
          add.run_id = c.row.run_id;
          add.reason = d.detail;
          add.created_at = c.now;
          const bool propose = !gate.empty() && !row.declared_new;
          add.state = propose ? AddState::Proposed : AddState::Queued;
          if (c.tx->enqueue_add(c.tenant.id, add)) {
            if (propose) {
              row.reason = "awaiting approval";
              row.detail = fmt::format("{}; waits for approval: {}", d.detail, gate);
              ++c.data.proposed;
              event_kind = "proposed";
            } else {
              event_kind = "queued";
            }
          }
          break;
        }
      }
      if (!event_kind.empty()) {
        const bool warn = event_kind == "review";
        c.event(warn ? "warn" : "info", event_kind,
                fmt::format("{} {} \"{}\": {}", kind_text, row.account_id, row.name, row.detail),
                kind_text, row.account_id);
      }
      if (row.status != before.status || row.list_id != before.list_id ||
          row.qb_full_name != before.qb_full_name || row.reason != before.reason ||
          row.detail != before.detail || row.accounting_name != acc.accounting_name ||
          row.candidates != before.candidates)
        c.tx->save_account_state(c.tenant.id, row);
    }
  }
  if (c.data.proposed)
    c.event("warn", "approval",
            fmt::format("{} add(s) wait for approval: qblink adds {} (then approve or reject)",
                        c.data.proposed, c.tenant.username));
}

std::string build_in_doubt_query(Call& c, const ServiceOptions& o, qbxml::Version version) {
  qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
  c.data.awaiting.clear();
  for (const auto& row : in_doubt_rows(*c.tx, c.tenant.id, o.batch_size)) {
    qbxml::ListQuery q;
    q.kind = to_qbxml(reconcile::list_for(row.kind));
    q.request_id = fmt::format("d{}", row.id.value);
    c.data.awaiting.push_back(q.request_id);
    q.full_names = {row.name};
    b.add(q);
  }
  return b.finish();
}

namespace {

// The query for one page of plan list `index`: Start (empty iterator_id) or Continue.
qbxml::ListQuery page_query(Call& c, const ServiceOptions& o, qbxml::Version version, int index,
                            const std::string& iterator_id) {
  const QbList list = kPlan[index];
  qbxml::ListQuery q;
  q.kind = to_qbxml(list);
  q.request_id = fmt::format("p{}", index);
  // Only customers and vendors can be paged: EmployeeQuery and OtherNameQuery have no
  // iterator in qbXML, and those lists are small enough to come in one answer.
  if (qbxml::can_page(q.kind, version)) {
    q.iterator = iterator_id.empty() ? qbxml::Iterator::Start : qbxml::Iterator::Continue;
    q.iterator_id = iterator_id;
    q.max_returned = o.page_size;
  }
  if (!(c.data.full_mask & (1 << index))) {
    const auto mark = c.tx->list_mark(c.tenant.id, list);
    q.from_modified_date =
        qbxml::datetime_minus_seconds(mark.max_time_modified, o.modified_overlap_seconds);
  }
  return q;
}

}  // namespace

std::string build_page_query(Call& c, const ServiceOptions& o, qbxml::Version version,
                             const session::Action& action) {
  const auto q = page_query(c, o, version, action.list_index, action.iterator_id);
  c.data.awaiting = {q.request_id};
  qbxml::MessageSetBuilder b(version, qbxml::OnError::StopOnError);
  b.add(q);
  return b.finish();
}

std::string build_all_lists_query(Call& c, const ServiceOptions& o, qbxml::Version version) {
  // stopOnError: QuickBooks answers the queries before a refused one and none after it; the
  // refusal fails the session (apply_page), as a refused single query does.
  qbxml::MessageSetBuilder b(version, qbxml::OnError::StopOnError);
  c.data.awaiting.clear();
  for (int i = 0; i < kPlanSize; ++i) {
    const auto q = page_query(c, o, version, i, {});
    c.data.awaiting.push_back(q.request_id);
    b.add(q);
  }
  return b.finish();
}

std::string build_add_batch(Call& c, const ServiceOptions& o, qbxml::Version version) {
  qbxml::MessageSetBuilder b(version, qbxml::OnError::ContinueOnError);
  const auto batch = c.tx->outbox(c.tenant.id, AddState::Queued, o.batch_size);
  c.data.awaiting.clear();
  for (const auto& row : batch) {
    auto acc = c.tx->account(c.tenant.id, row.kind, row.account_id);
    qbxml::AddRequest r;
    r.kind = to_qbxml(reconcile::list_for(row.kind));
    r.request_id = fmt::format("a{}", row.id.value);
    c.data.awaiting.push_back(r.request_id);
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
    c.tx->set_add_state(c.tenant.id, row.id, AddState::Sent, c.row.run_id, "", "");
    ++c.adds.sent;
  }
  c.event("info", "adds-sent", fmt::format("sent a batch of {} add(s)", batch.size()));
  return b.finish();
}

namespace {

// Stores one page of `item` (the answer for plan list `index`), moving `max_tm` to its newest
// TimeModified; false (and the session failed) when QuickBooks refused the query.
bool store_page(Call& c, const qbxml::ResponseItem& item, int index, std::string& max_tm) {
  auto& m = c.data.machine;
  const QbList list = kPlan[index];
  if (item.status.severity == "Error") {
    session::fail(
        m, fmt::format("QuickBooks refused the {} query: {} ({})", reconcile::to_string(list),
                       item.status.message, item.status.code));
    c.event("error", "quickbooks", m.error);
    return false;
  }
  std::vector<store::QbRow> rows;
  rows.reserve(item.records.size());
  int no_list_id = 0;
  for (const auto& r : item.records) {
    if (r.list_id.empty()) {  // nothing could link to it: an empty ListID is not an identity
      ++no_list_id;
      continue;
    }
    rows.push_back(to_row(r));
    if (r.time_modified > max_tm) max_tm = r.time_modified;
  }
  if (no_list_id)
    c.event("warn", "quickbooks",
            fmt::format("{} {} record(s) without a ListID ignored", no_list_id,
                        reconcile::to_string(list)));
  c.data.records_fetched += static_cast<std::int64_t>(rows.size());
  c.tx->upsert_entries(c.tenant.id, rows, c.row.run_id);
  return true;
}

// Plan list `index` is complete: a full fetch drops what QuickBooks no longer has, and the
// incremental mark moves to the newest TimeModified seen.
void finish_list(Call& c, int index, const std::string& max_tm) {
  const QbList list = kPlan[index];
  const bool full = c.data.full_mask & (1 << index);
  auto mark = c.tx->list_mark(c.tenant.id, list);
  if (full) {
    const int gone = c.tx->delete_unseen(c.tenant.id, list, c.row.run_id);
    if (gone)
      c.event("info", "snapshot",
              fmt::format("{} {} entr{} no longer in QuickBooks", gone, reconcile::to_string(list),
                          gone == 1 ? "y is" : "ies are"));
    mark.last_full_at = c.now;
  }
  if (max_tm > mark.max_time_modified) mark.max_time_modified = max_tm;
  c.tx->set_list_mark(c.tenant.id, list, mark);
}

bool answered_whole(const qbxml::ResponseItem& item) {
  return item.iterator_remaining <= 0 || item.iterator_id.empty();
}

}  // namespace

bool apply_page(Call& c, const qbxml::ResponseItem& item, int index) {
  auto& m = c.data.machine;
  if (!store_page(c, item, index, c.data.list_max_tm)) return false;
  session::on_page(m, item.iterator_remaining, item.iterator_id);
  if (m.list_index != index) {  // that list is complete
    finish_list(c, index, c.data.list_max_tm);
    c.data.list_max_tm.clear();
  }
  return true;
}

bool apply_list_out_of_turn(Call& c, const qbxml::ResponseItem& item, int index) {
  if (item.status.severity != "Error" && !answered_whole(item)) {
    // More than a page of changes: its first page is left for the list's own turn, with an
    // iterator of its own (one iterator is followed at a time).
    c.event("info", "snapshot",
            fmt::format("more than {} changed {} entries: fetched page by page",
                        item.records.size(), reconcile::to_string(kPlan[index])));
    return true;
  }
  std::string max_tm;
  if (!store_page(c, item, index, max_tm)) return false;
  session::on_list_answered_whole(c.data.machine, index);
  finish_list(c, index, max_tm);
  return true;
}

void apply_in_doubt(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id) {
  const auto row = c.tx->outbox_row(c.tenant.id, outbox_id);
  // Only a row still in the state the query was sent for: in doubt, or collided.
  if (!row || (row->state != AddState::InDoubt && row->state != AddState::Collided)) return;
  // A found record without a ListID proves it exists but cannot be linked: stay in doubt.
  if (!item.records.empty() && item.records.front().list_id.empty()) return;
  const std::string kt(reconcile::to_string(row->kind));
  if (item.status.code == 0 && !item.records.empty()) {
    const auto& rec = item.records.front();
    c.tx->upsert_entries(c.tenant.id, {to_row(rec)}, c.row.run_id);
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Confirmed, c.row.run_id, rec.list_id, "");
    ++c.adds.confirmed;
    link_account_to(c, row->kind, row->account_id, rec,
                    row->state == AddState::Collided ? "exact name (after 3100)"
                                                     : "found after a lost response");
    ++c.data.linked;
    c.event("info", "linked",
            fmt::format("{} {}: \"{}\" is in QuickBooks (ListID {}); linked, not added again", kt,
                        row->account_id, row->name, rec.list_id),
            kt, row->account_id);
  } else if (row->state == AddState::Collided) {
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Failed, c.row.run_id, "",
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
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Queued, c.row.run_id, "", "");
    c.event("info", "in-doubt",
            fmt::format("{} {}: \"{}\" is not in QuickBooks; queued to add again", kt,
                        row->account_id, row->name),
            kt, row->account_id);
  }
}

void apply_add(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id) {
  const auto row = c.tx->outbox_row(c.tenant.id, outbox_id);
  if (!row || row->state != AddState::Sent) return;  // answered once, for what was sent
  if (item.status.code == 0 && !item.records.empty() && item.records.front().list_id.empty()) {
    c.tx->set_add_state(c.tenant.id, row->id, AddState::InDoubt, c.row.run_id, "",
                        "QuickBooks answered without a ListID");
    ++c.adds.in_doubt;
    return;
  }
  const std::string kt(reconcile::to_string(row->kind));
  if (item.status.code == 0 && !item.records.empty()) {
    const auto& rec = item.records.front();
    c.tx->upsert_entries(c.tenant.id, {to_row(rec)}, c.row.run_id);
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Confirmed, c.row.run_id, rec.list_id, "");
    ++c.adds.confirmed;
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
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Collided, c.row.run_id, "",
                        item.status.message);
    c.event("warn", "collision",
            fmt::format("{} {}: QuickBooks says \"{}\"; querying that name instead of "
                        "retrying",
                        kt, row->account_id, item.status.message),
            kt, row->account_id);
  } else {
    c.tx->set_add_state(c.tenant.id, row->id, AddState::Failed, c.row.run_id, "",
                        item.status.message);
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

#include "admin/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace qblink::admin {
namespace {

using reconcile::AccountKind;
using reconcile::NearKind;
using store::AddState;

std::string kind_text(AccountKind kind) { return std::string(reconcile::to_string(kind)); }

std::optional<reconcile::QbList> list_from_text(const std::string& text) {
  for (auto l : {reconcile::QbList::Customer, reconcile::QbList::Vendor,
                 reconcile::QbList::Employee, reconcile::QbList::OtherName})
    if (reconcile::to_string(l) == text) return l;
  return std::nullopt;
}

// Valid UTF-8 with no control characters: what may be stored and later printed or sent.
std::optional<std::string> bad_text(std::string_view s) {
  if (reconcile::utf8_error_at(s) != std::string_view::npos) return "a byte that is not UTF-8";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return fmt::format("a control character (0x{:02x})", c);
    // C1 controls, U+0080..U+009F, are 0xC2 0x80..0x9F in (now known valid) UTF-8.
    if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0)
      return fmt::format("a control character (U+{:04X})", static_cast<unsigned char>(s[i + 1]));
  }
  return std::nullopt;
}

reconcile::Snapshot load_snapshot(store::Tx& tx, store::TenantId tenant) {
  std::vector<reconcile::QbEntry> entries;
  for (auto& r : tx.entries(tenant)) {
    reconcile::QbEntry e;
    e.list = r.list;
    e.list_id = std::move(r.list_id);
    e.full_name = std::move(r.full_name);
    e.name = std::move(r.name);
    e.is_active = r.is_active;
    entries.push_back(std::move(e));
  }
  return reconcile::Snapshot(std::move(entries));
}

// What the next run does with an accounting name the admin typed, said plainly for the account's
// detail (the console and the API show it): an exact FullName of the account's own list links,
// inactive or not (reconcile::decide, rules 2 and 5); a name QuickBooks lacks is held in review,
// never guessed (rule 4), unless the admin declares the account new.
std::string name_outlook(const reconcile::Snapshot& snapshot, AccountKind kind,
                         const std::string& name, bool in_review) {
  const auto list = reconcile::list_for(kind);
  const std::string list_name(reconcile::to_string(list));
  if (const auto* e = snapshot.by_full_name(list, name))
    return fmt::format(
        "QuickBooks has \"{}\" in its {} list (ListID {}{}): linked at the next sync", name,
        list_name, e->list_id, e->is_active ? "" : ", inactive");
  return fmt::format(
      "QuickBooks has no \"{}\" in its {} list (as of the last sync): held for review at the "
      "next sync{}",
      name, list_name, in_review ? "; review reject (genuinely new) adds it under this name" : "");
}

}  // namespace

std::vector<Candidate> parse_candidates(const std::string& text) {
  std::vector<Candidate> out;
  if (text.empty()) return out;
  const auto arr = nlohmann::json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& j : arr) {
    Candidate c;
    c.list = list_from_text(j.value("list", "")).value_or(reconcile::QbList::Customer);
    c.list_id = j.value("list_id", "");
    c.full_name = j.value("full_name", "");
    c.is_active = j.value("is_active", true);
    c.score = j.value("score", 0.0);
    c.strong = j.value("strong", false);
    c.evidence = j.value("evidence", std::vector<std::string>{});
    if (const auto it = j.find("contact"); it != j.end() && it->is_object())
      for (const auto& [k, v] : it->items())
        if (v.is_string()) c.contact.emplace_back(k, v.get<std::string>());
    out.push_back(std::move(c));
  }
  return out;
}

Service::Service(store::Store& store, Clock clock) : store_(store), clock_(std::move(clock)) {}

std::int64_t Service::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Service::log(store::Tx& tx, const store::Tenant& t, const std::string& kind,
                  const store::AccountRow& account, const std::string& message) {
  store::EventRow e;
  e.run_id = 0;  // an admin decision, outside any Web Connector run
  e.at = now();
  e.level = "info";
  e.kind = kind;
  e.account_kind = kind_text(account.kind);
  e.account_id = account.account_id;
  e.message = message;
  tx.add_event(t.id, e);
}

store::Tenant Service::tenant(const std::string& user) {
  auto tx = store_.begin(false);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  return *t;
}

void Service::set_auto_add_limit(const std::string& user, int limit) {
  if (limit < store::kUnlimitedAdds)
    throw Error(ErrorKind::Invalid, "the auto-add limit is a number from 0, or unlimited");
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  tx->set_auto_add_limit(t->id, limit);
  tx->commit();
}

std::optional<std::string> Service::invalid_account(const store::AccountRow& a) {
  if (a.account_id.empty()) return "account_id is empty";
  if (a.account_id.size() > 200) return "account_id is longer than 200 bytes";
  if (a.name.find_first_not_of(" \t") == std::string::npos) return "name is empty";
  const std::pair<const char*, const std::string*> fields[] = {
      {"account_id", &a.account_id},
      {"name", &a.name},
      {"accounting_name", &a.accounting_name},
      {"company_name", &a.company_name},
      {"first_name", &a.first_name},
      {"last_name", &a.last_name},
      {"phone", &a.phone},
      {"email", &a.email},
      {"addr1", &a.addr1},
      {"addr2", &a.addr2},
      {"city", &a.city},
      {"state", &a.state},
      {"postal_code", &a.postal_code},
      {"country", &a.country}};
  for (const auto& [name, value] : fields) {
    if (value->size() > 1000) return std::string(name) + " is longer than 1000 bytes";
    if (auto why = bad_text(*value)) return std::string(name) + " has " + *why;
  }
  return std::nullopt;
}

UpsertCounts Service::upsert_accounts(const std::string& user, AccountKind kind,
                                      const std::vector<store::AccountRow>& rows, bool dry_run) {
  std::vector<RowError> errors;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (auto why = invalid_account(r)) {
      errors.push_back({i + 1, r.account_id, *why});
    } else if (auto [it, fresh] = seen.emplace(r.account_id, i + 1); !fresh) {
      errors.push_back(
          {i + 1, r.account_id,
           fmt::format("account_id '{}' already in row {}", r.account_id, it->second)});
    }
  }
  if (!errors.empty())
    throw BatchError(std::move(errors), "some rows are not valid; nothing was written");

  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  UpsertCounts counts;
  for (auto r : rows) {
    r.kind = kind;
    switch (tx->upsert_account(t->id, r)) {
      case store::UpsertResult::Added:
        ++counts.added;
        break;
      case store::UpsertResult::Updated:
        ++counts.updated;
        break;
      case store::UpsertResult::Unchanged:
        ++counts.unchanged;
        break;
    }
  }
  if (!dry_run) tx->commit();  // a dry run rolls everything back: same checks, no writes
  return counts;
}

store::AccountRow Service::set_accounting_name(const std::string& user, AccountKind kind,
                                               const std::string& account_id,
                                               const std::string& name) {
  if (auto why = bad_text(name)) throw Error(ErrorKind::Invalid, "the name has " + *why);
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  auto acc = tx->account(t->id, kind, account_id);
  if (!acc)
    throw Error(ErrorKind::NotFound, "no " + kind_text(kind) + " '" + account_id + "' for " + user);
  const std::string old = acc->accounting_name;
  acc->accounting_name = name;
  const auto outlook = name_outlook(load_snapshot(*tx, t->id), kind, name, acc->status == "review");
  if (acc->status == "review") {
    // Still the admin's decision: `review reject` now adds it under this name.
    acc->reason = "accounting name set by admin";
    acc->detail = outlook;
  } else if (acc->status != "linked" || acc->qb_full_name != name) {
    acc->status = "pending";
    acc->list_id.clear();
    acc->reason = "accounting name set by admin";
    acc->detail = outlook;
    acc->candidates = "[]";
  }
  tx->upsert_account(t->id, *acc);
  tx->save_account_state(t->id, *acc);
  log(*tx, *t, "link", *acc,
      fmt::format("{} {}: accounting name set to \"{}\" (was \"{}\")", kind_text(kind), account_id,
                  name, old));
  tx->commit();
  return *acc;
}

std::vector<ReviewItem> Service::review_queue(const std::string& user) {
  auto tx = store_.begin(false);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  std::vector<ReviewItem> out;
  for (auto kind : {AccountKind::Customer, AccountKind::Supplier})
    for (auto& acc : tx->accounts(t->id, kind))
      if (acc.status == "review") {
        ReviewItem item;
        item.candidates = parse_candidates(acc.candidates);
        item.account = std::move(acc);
        out.push_back(std::move(item));
      }
  return out;
}

store::AccountRow Service::accept_in(store::Tx& tx, const store::Tenant& t, store::AccountRow acc,
                                     const std::string& list_id) {
  const auto kind = acc.kind;
  if (acc.status != "review")
    throw Error(ErrorKind::Conflict, kind_text(kind) + " '" + acc.account_id +
                                         "' is not in review (status " + acc.status + ")");
  const auto want = reconcile::list_for(kind);
  const auto candidates = parse_candidates(acc.candidates);
  const Candidate* pick = nullptr;
  for (const auto& c : candidates) {
    if (c.list != want) continue;
    if (list_id.empty() || c.list_id == list_id) {
      pick = &c;
      break;
    }
  }
  if (!pick)
    throw Error(ErrorKind::Conflict,
                "no " + std::string(reconcile::to_string(want)) + " to accept for " +
                    acc.account_id + (list_id.empty() ? "" : " with ListID " + list_id) +
                    " (reject it to add it as new, or set its accounting name)");
  acc.status = "linked";
  acc.list_id = pick->list_id;
  acc.qb_full_name = pick->full_name;
  acc.accounting_name = acc.qb_full_name;
  acc.reason = "accepted by admin";
  acc.detail = pick->evidence.empty() ? std::string() : "evidence: " + pick->evidence.front();
  acc.candidates = "[]";
  tx.save_account_state(t.id, acc);
  log(tx, t, "accepted", acc,
      fmt::format("{} {} \"{}\": linked to \"{}\" (ListID {}) by admin", kind_text(kind),
                  acc.account_id, acc.name, acc.qb_full_name, acc.list_id));
  return acc;
}

store::AccountRow Service::accept(const std::string& user, AccountKind kind,
                                  const std::string& account_id, const std::string& list_id) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  auto acc = tx->account(t->id, kind, account_id);
  if (!acc) throw Error(ErrorKind::NotFound, "no " + kind_text(kind) + " '" + account_id + "'");
  auto out = accept_in(*tx, *t, *acc, list_id);
  tx->commit();
  return out;
}

store::AccountRow Service::reject_in(store::Tx& tx, const store::Tenant& t, store::AccountRow acc,
                                     const reconcile::Snapshot& snapshot) {
  const auto kind = acc.kind;
  if (acc.status != "review")
    throw Error(ErrorKind::Conflict, kind_text(kind) + " '" + acc.account_id +
                                         "' is not in review (status " + acc.status + ")");
  const std::string name = acc.accounting_name.empty() ? acc.name : acc.accounting_name;
  if (auto why = reconcile::illegal_name_reason(name))
    throw Error(ErrorKind::Invalid,
                fmt::format("\"{}\" cannot be created in QuickBooks ({}); set another accounting "
                            "name first",
                            name, *why));
  // QuickBooks names are unique across its four lists, ignoring case (design rule 7): a name in
  // use cannot be added, so declaring it new would only bring it back to review.
  const std::string top = name.substr(0, name.find(':'));
  for (const auto* e : snapshot.by_name_nocase(top)) {
    if (name.find(':') != std::string::npos && e->full_name != name) continue;
    throw Error(ErrorKind::Conflict,
                fmt::format("QuickBooks already has \"{}\" in its {} list (ListID {}): it cannot "
                            "be added again. Accept that entry, or set another accounting name",
                            e->full_name, reconcile::to_string(e->list), e->list_id));
  }
  // Nor a name that differs from one of the list's only in spacing and case: QuickBooks would
  // take "Coastal  HVAC Services", but it is "Coastal HVAC Services" typed with a stray space,
  // and adding it makes the duplicate that review exists to prevent.
  for (const auto& c : snapshot.near(reconcile::list_for(kind), name)) {
    const bool spacing_only =
        !c.kinds.empty() && std::all_of(c.kinds.begin(), c.kinds.end(), [](NearKind k) {
          return k == NearKind::Case || k == NearKind::Spaces;
        });
    if (!spacing_only) continue;
    throw Error(ErrorKind::Conflict,
                fmt::format("QuickBooks has \"{}\" (ListID {}), which differs from \"{}\" only in "
                            "spacing or case: adding it would make a duplicate. Accept that entry, "
                            "or set another accounting name",
                            c.full_name, c.list_id, name));
  }
  acc.declared_new = true;
  acc.status = "pending";
  acc.reason = "declared new by admin";
  acc.candidates = "[]";
  tx.save_account_state(t.id, acc);
  log(tx, t, "declared-new", acc,
      fmt::format("{} {} \"{}\": declared new by admin; the next sync adds \"{}\" once",
                  kind_text(kind), acc.account_id, acc.name, name));
  return acc;
}

store::AccountRow Service::reject(const std::string& user, AccountKind kind,
                                  const std::string& account_id) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  auto acc = tx->account(t->id, kind, account_id);
  if (!acc) throw Error(ErrorKind::NotFound, "no " + kind_text(kind) + " '" + account_id + "'");
  const auto snapshot = load_snapshot(*tx, t->id);
  auto out = reject_in(*tx, *t, *acc, snapshot);
  tx->commit();
  return out;
}

std::vector<store::AccountRow> Service::accept_all_strong(const std::string& user) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  std::vector<store::AccountRow> done;
  for (auto kind : {AccountKind::Customer, AccountKind::Supplier})
    for (const auto& acc : tx->accounts(t->id, kind)) {
      if (acc.status != "review") continue;
      const auto cs = parse_candidates(acc.candidates);
      // Strong means the top candidate overall is strong and in the account's own list.
      if (cs.empty() || !cs.front().strong || cs.front().list != reconcile::list_for(kind))
        continue;
      done.push_back(accept_in(*tx, *t, acc, cs.front().list_id));
    }
  tx->commit();
  return done;
}

std::size_t Service::apply(const std::string& user, const std::vector<ReviewDecision>& decisions) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  const auto snapshot = load_snapshot(*tx, t->id);
  std::vector<RowError> errors;
  std::set<std::pair<int, std::string>> seen;
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    const auto& d = decisions[i];
    try {
      if (!seen.emplace(static_cast<int>(d.kind), d.account_id).second)
        throw Error(ErrorKind::Invalid, "a second decision for the same account");
      auto acc = tx->account(t->id, d.kind, d.account_id);
      if (!acc)
        throw Error(ErrorKind::NotFound, "no " + kind_text(d.kind) + " '" + d.account_id + "'");
      if (d.action == ReviewAction::Accept)
        accept_in(*tx, *t, *acc, d.list_id);
      else
        reject_in(*tx, *t, *acc, snapshot);
    } catch (const Error& e) {
      errors.push_back({i + 1, d.account_id, e.what()});
    }
  }
  if (!errors.empty())
    throw BatchError(std::move(errors), "some decisions cannot be applied; none was applied");
  tx->commit();
  return decisions.size();
}

std::vector<store::OutboxRow> Service::adds_awaiting(const std::string& user) {
  auto tx = store_.begin(false);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  return tx->outbox(t->id, AddState::Proposed, 1 << 30);
}

std::size_t Service::decide_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                                 bool all, bool approve) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  std::vector<store::OutboxRow> rows;
  if (all) {
    rows = tx->outbox(t->id, AddState::Proposed, 1 << 30);
  } else {
    std::vector<RowError> errors;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto row = tx->outbox_row(t->id, ids[i]);
      if (!row || row->state != AddState::Proposed) {
        errors.push_back({i + 1, row ? row->account_id : std::string(),
                          fmt::format("no add {} waits for approval", ids[i].value)});
        continue;
      }
      rows.push_back(*row);
    }
    if (!errors.empty())
      throw BatchError(std::move(errors), "some adds are not waiting; nothing was decided");
  }
  for (const auto& row : rows) {
    auto acc = tx->account(t->id, row.kind, row.account_id);
    tx->set_add_state(t->id, row.id, approve ? AddState::Queued : AddState::Rejected, row.run_id,
                      "", approve ? "" : "rejected by admin");
    if (!acc) continue;
    if (approve) {
      acc->reason = "approved";
      acc->detail = fmt::format("approved by admin: the next sync adds \"{}\"", row.name);
    } else {
      acc->status = "review";
      acc->reason = "add rejected";
      acc->detail = "the admin rejected adding it: link it to a QuickBooks name, or declare it new";
    }
    tx->save_account_state(t->id, *acc);
    log(*tx, *t, approve ? "add-approved" : "add-rejected", *acc,
        fmt::format("{} {} \"{}\": add {} by admin", kind_text(row.kind), row.account_id, row.name,
                    approve ? "approved" : "rejected"));
  }
  tx->commit();
  return rows.size();
}

std::size_t Service::approve_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                                  bool all) {
  return decide_adds(user, ids, all, true);
}

std::size_t Service::reject_adds(const std::string& user, const std::vector<store::OutboxId>& ids,
                                 bool all) {
  return decide_adds(user, ids, all, false);
}

}  // namespace qblink::admin

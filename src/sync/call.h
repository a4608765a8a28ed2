#pragma once
// One QBWC call's unit of work (sync/ internal): the transaction, the session row and its
// decoded state, and what every call needs around them (events, saving, ending the run).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qbxml/qbxml.h"
#include "reconcile/reconcile.h"
#include "session/machine.h"
#include "store/store.h"
#include "sync/service.h"

namespace qblink::sync::detail {

// The lists every session reads, in order: names are unique across all four.
inline constexpr reconcile::QbList kPlan[] = {
    reconcile::QbList::Customer, reconcile::QbList::Vendor, reconcile::QbList::Employee,
    reconcile::QbList::OtherName};
inline constexpr int kPlanSize = 4;

qbxml::ListKind to_qbxml(reconcile::QbList list);
reconcile::QbList from_qbxml(qbxml::ListKind kind);
store::QbRow to_row(const qbxml::ListRecord& r);

// Everything about one QBWC session that must survive between calls (stored as JSON).
struct SessionData {
  session::State machine;
  int full_mask = 0;        // bit per plan list: this session fetches it completely
  std::string list_max_tm;  // newest TimeModified seen in the list being fetched
  int linked = 0, added = 0, errors = 0;
  std::int64_t records_fetched = 0;
  // The company this session talks to; recorded for the tenant when its first run succeeds.
  std::string file_id, company_name, company_path;
  // The requestIDs of the last sendRequestXML still unanswered. An answer is applied only if its
  // requestID is here (then removed): a response cannot name rows this session never asked about.
  std::vector<std::string> awaiting;
  int proposed = 0;  // adds this run proposed for approval instead of sending
};

std::string encode(const SessionData& d);
SessionData decode(const std::string& text);

// One call's unit of work: the transaction, the session row and its decoded state.
struct Call {
  std::unique_ptr<store::Tx> tx;
  store::SessionRow row;
  SessionData data;
  store::Tenant tenant;
  std::int64_t now = 0;
  // Newest TimeModified of the entries our adds created in this call, per list.
  std::map<reconcile::QbList, std::string> added_max_tm;

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

// The session of `ticket` read again after taking its tenant's lock (Tx::lock_tenant) in the
// write transaction `tx`: what the tenant's previous call, on any instance, left.
std::optional<store::SessionRow> locked_session(store::Tx& tx, const std::string& ticket);
// Loads the session of `ticket` for an update; nullopt when it is unknown, closed, superseded
// or expired (an expired one is closed on the way).
std::optional<Call> open_call(store::Store& store, const std::string& ticket, std::int64_t now,
                              std::int64_t idle_limit);
// Stores the session state and commits the call's transaction.
void save(Call& c);
// Closes the run with its counts; records the company file when a tenant's first run succeeds.
void end_run(Call& c, const std::string& outcome);

session::Facts facts_for(store::Tx& tx, store::TenantId tenant, const ServiceOptions& o);
// The Web Connector's status line: what this run changed, then the tenant's totals.
struct Totals {
  std::int64_t linked = 0, accounts = 0, review = 0, awaiting_approval = 0;
};
Totals totals_of(store::Tx& tx, store::TenantId tenant);
std::string summary_of(const SessionData& d, const Totals& totals);

}  // namespace qblink::sync::detail

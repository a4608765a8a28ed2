#pragma once
// What a session does with QuickBooks (sync/ internal): the requests it builds for each action of
// the session machine, and how it applies the answers and the reconcile decisions to the store.
#include <cstdint>
#include <string>

#include "sync/call.h"

namespace qblink::sync::detail {

// Once per session, before the first query: per list, whether this fetch is complete or
// incremental, and whether the lists' first pages go in one message set.
void plan_fetch(Call& c, const ServiceOptions& o);

// Runs the reconcile rules over all accounts and the snapshot; queues adds for the new ones.
// Skipped when nothing it reads changed since a reconciliation that changed nothing.
void apply_reconcile(Call& c);
// The same, always.
void reconcile_all(Call& c);

std::string build_in_doubt_query(Call& c, const ServiceOptions& o, qbxml::Version version);
std::string build_page_query(Call& c, const ServiceOptions& o, qbxml::Version version,
                             const session::Action& action);
// The first page of every list in one message set (session::ActionKind::QueryAllLists).
std::string build_all_lists_query(Call& c, const ServiceOptions& o, qbxml::Version version);
// Marks the batch sent in the call's transaction, which commits before the XML leaves.
std::string build_add_batch(Call& c, const ServiceOptions& o, qbxml::Version version);

// One page of list `index`, the list in turn; false (and the session failed) when QuickBooks
// refused the query.
bool apply_page(Call& c, const qbxml::ResponseItem& item, int index);
// An answer of the all-lists message set for list `index`, after the list in turn. A list answered
// whole is stored and marked done; one with pages left is not applied (it is fetched again, from
// the start, in its turn). False (and the session failed) when QuickBooks refused the query.
bool apply_list_out_of_turn(Call& c, const qbxml::ResponseItem& item, int index);
// Both apply an answer only to a row of this tenant still in the state it was sent in.
void apply_in_doubt(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id);
void apply_add(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id);
// After a message set of adds: moves each list's incremental mark past our own adds, once.
void flush_added_marks(Call& c);

}  // namespace qblink::sync::detail

#pragma once
// What a session does with QuickBooks (sync/ internal): the requests it builds for each action of
// the session machine, and how it applies the answers and the reconcile decisions to the store.
#include <cstdint>
#include <string>

#include "sync/call.h"

namespace qblink::sync::detail {

// Runs the reconcile rules over all accounts and the snapshot; queues adds for the new ones.
void apply_reconcile(Call& c);

std::string build_in_doubt_query(Call& c, const ServiceOptions& o, qbxml::Version version);
std::string build_page_query(Call& c, const ServiceOptions& o, qbxml::Version version,
                             const session::Action& action);
// Marks the batch sent in the call's transaction, which commits before the XML leaves.
std::string build_add_batch(Call& c, const ServiceOptions& o, qbxml::Version version);

// One page of list `index`; false (and the session failed) when QuickBooks refused the query.
bool apply_page(Call& c, const qbxml::ResponseItem& item, int index);
// Both apply an answer only to a row of this tenant still in the state it was sent in.
void apply_in_doubt(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id);
void apply_add(Call& c, const qbxml::ResponseItem& item, store::OutboxId outbox_id);
// After a message set of adds: moves each list's incremental mark past our own adds, once.
void flush_added_marks(Call& c);

}  // namespace qblink::sync::detail

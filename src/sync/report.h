#pragma once
// What sync/ tells the operator (issue 12; sync/ internal): one log line per Web Connector
// session when it ends, and the metrics of calls, sessions, adds and database failures
// (obs/metrics.h). Called only after the work it reports has committed, so nothing rolled back
// is ever logged as done or counted.
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "store/store.h"
#include "sync/call.h"

namespace qblink::sync::detail {

// One line "qbwc session ended" with the tenant, client IP, duration, SOAP calls, outcome and
// counts (linked, added, review, errors, adds proposed for approval), and
// qblink_sessions_total{outcome}. `review` is the tenant's review queue when the session ended;
// `ended_at` is when it did (a superseded or expired session: when it was last seen).
void session_ended(const std::string& tenant, const store::SessionRow& row, const SessionData& d,
                   std::string_view outcome, std::int64_t review, std::int64_t ended_at);
// The adds a committed call moved (Call::adds), into the metrics; resets them.
void adds_committed(Call& c);
// Counts `e` in qblink_database_errors_total when it is a store::Error.
void count_if_database_error(const std::exception& e);

}  // namespace qblink::sync::detail

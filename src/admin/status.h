#pragma once
// Whether a tenant's Web Connector still polls and still succeeds: one rule for the API's
// status (and so the console) and `qblink user list`. Nothing stores the tenant's schedule (the
// .qwc's RunEveryNMinutes lives on the Web Connector's computer), so the caller passes it.
#include <cstdint>
#include <optional>
#include <string_view>

#include "store/store.h"

namespace qblink::admin {

enum class Polling {
  Never,    // no run yet: the .qwc has not been added, or never connected
  Ok,       // the last run started within twice the schedule
  Stopped,  // no run at all for more than twice the schedule
};
std::string_view to_string(Polling p);

struct RunHealth {
  std::optional<store::RunRow> last_run, last_success;
  Polling polling = Polling::Never;
  // No successful run for more than twice the schedule (counted from the first run when none
  // ever succeeded). Includes Stopped; also a Web Connector that polls but fails every time.
  bool stale = false;
};

// A run succeeded when it ended "ok" or "nothing to do".
bool succeeded(const store::RunRow& run);

RunHealth run_health(store::Tx& tx, store::TenantId tenant, int schedule_minutes, std::int64_t now);

}  // namespace qblink::admin

#include "admin/status.h"

namespace qblink::admin {

std::string_view to_string(Polling p) {
  switch (p) {
    case Polling::Never:
      return "never";
    case Polling::Ok:
      return "ok";
    case Polling::Stopped:
      return "stopped";
  }
  return "never";
}

bool succeeded(const store::RunRow& run) {
  return run.outcome == "ok" || run.outcome == "nothing to do";
}

RunHealth run_health(store::Tx& tx, store::TenantId tenant, int schedule_minutes,
                     std::int64_t now) {
  RunHealth h;
  const auto runs = tx.runs(tenant, 1 << 30);  // newest first
  if (runs.empty()) return h;
  h.last_run = runs.front();
  for (const auto& r : runs)
    if (succeeded(r)) {
      h.last_success = r;
      break;
    }
  const std::int64_t window = 2 * 60 * std::int64_t{schedule_minutes};
  h.polling = now - runs.front().started_at > window ? Polling::Stopped : Polling::Ok;
  const auto since = h.last_success ? h.last_success->started_at : runs.back().started_at;
  h.stale = now - since > window;
  return h;
}

}  // namespace qblink::admin

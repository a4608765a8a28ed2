#include "sync/report.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "obs/log.h"
#include "obs/metrics.h"
#include "store/database.h"  // store::Error

namespace qblink::sync::detail {

void session_ended(const std::string& tenant, const store::SessionRow& row, const SessionData& d,
                   std::string_view outcome, std::int64_t review, std::int64_t ended_at) {
  std::string label(outcome);
  std::replace(label.begin(), label.end(), ' ', '_');
  obs::metrics().sessions.add(label);
  // A run that did not end well is worth a warning; "nothing to do" and "ok" are routine.
  const bool bad = label != "ok" && label != "nothing_to_do";
  obs::event(bad ? spdlog::level::warn : spdlog::level::info, "qbwc session ended",
             {{"tenant", tenant},
              {"client_ip", d.client.empty() ? "-" : d.client},
              {"duration_s", std::max<std::int64_t>(0, ended_at - row.created_at)},
              {"calls", d.calls},
              {"outcome", label},
              {"linked", d.linked},
              {"added", d.added},
              {"review", review},
              {"errors", d.errors},
              {"proposed", d.proposed},
              {"run", row.run_id}});
}

void adds_committed(Call& c) {
  auto& m = obs::metrics();
  if (c.adds.sent) m.adds_sent.add(c.adds.sent);
  if (c.adds.confirmed) m.adds_confirmed.add(c.adds.confirmed);
  if (c.adds.in_doubt) m.adds_in_doubt.add(c.adds.in_doubt);
  c.adds = {};
}

void count_if_database_error(const std::exception& e) {
  if (dynamic_cast<const store::Error*>(&e)) obs::metrics().database_errors.add();
}

}  // namespace qblink::sync::detail

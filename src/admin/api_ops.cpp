// Service operations the JSON API needs beyond the CLI's (issue 10).
#include <fmt/format.h>

#include "admin/service.h"

namespace qblink::admin {

store::AccountRow Service::unlink(const std::string& user, reconcile::AccountKind kind,
                                  const std::string& account_id) {
  auto tx = store_.begin(true);
  auto t = tx->tenant_by_name(user);
  if (!t) throw Error(ErrorKind::NotFound, "no user '" + user + "'");
  const std::string kind_name(reconcile::to_string(kind));
  auto acc = tx->account(t->id, kind, account_id);
  if (!acc) throw Error(ErrorKind::NotFound, "no " + kind_name + " '" + account_id + "'");
  const std::string old = acc->qb_full_name;
  acc->status = "pending";
  acc->list_id.clear();
  acc->qb_full_name.clear();
  acc->candidates = "[]";
  acc->declared_new = false;
  acc->reason = "unlinked by the app";
  acc->detail = "the link was removed through the API; reconciled again on the next run";
  tx->save_account_state(t->id, *acc);
  tx->cancel_queued_add(t->id, kind, account_id);
  log(*tx, *t, "unlink", *acc,
      fmt::format("{} {}: unlinked through the API (was \"{}\")", kind_name, account_id, old));
  tx->commit();
  return *acc;
}

}  // namespace qblink::admin

#pragma once
// Seeds a tenant (argon2id password, FileID) and its accounts straight into a store. Header-only:
// only test programs that link the store and sync layers include it.
#include <string>
#include <vector>

#include "store/guid.h"
#include "store/store.h"
#include "sync/auth.h"

namespace qblink::test {

// Returns the installation's OwnerID (what a .qwc would carry). Tests of other rules seed their
// tenants with no approval gate (design rule 6); the gate's own tests pass a limit.
inline std::string seed_tenant(store::Store& store, const std::string& user,
                               const std::string& password,
                               const std::vector<store::AccountRow>& accounts = {},
                               int auto_add_limit = store::kUnlimitedAdds) {
  auto tx = store.begin(true);
  store::Tenant t;
  t.username = user;
  t.password_hash = sync::hash_password(password);
  t.file_id = store::make_guid();
  const auto id = tx->add_tenant(t);
  tx->set_auto_add_limit(id, auto_add_limit);
  for (const auto& a : accounts) tx->upsert_account(id, a);
  auto owner = tx->owner_id();
  tx->commit();
  return owner;
}

inline store::AccountRow customer(const std::string& id, const std::string& name,
                                  const std::string& accounting_name = "") {
  store::AccountRow a;
  a.kind = reconcile::AccountKind::Customer;
  a.account_id = id;
  a.name = name;
  a.accounting_name = accounting_name;
  return a;
}

}  // namespace qblink::test

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

// The seed case's QuickBooks company (sim::Company JSON): three names the seed accounts type
// exactly, near misses of every kind (a job, an inactive entry, a comma, an apostrophe, an
// umlaut), one vendor and one employee. tests/e2e/customers_test.cpp and tests/multi/ use it.
inline constexpr const char* kSeedCompany = R"({
  "customers": [
    {"name": "Acme Plumbing Ltd"},
    {"name": "Bright Spark Electrical"},
    {"name": "Coastal HVAC Services"},
    {"name": "Dunmore Property Management"},
    {"name": "Riverside Flats", "full_name": "Dunmore Property Management:Riverside Flats"},
    {"name": "Evergreen Landscaping", "is_active": false},
    {"name": "Smith, Mike"},
    {"name": "O'Neil Builders"},
    {"name": "Müller Haustechnik"}
  ],
  "vendors": [{"name": "Harbor Supply Co"}],
  "employees": [{"name": "Sam Ortiz"}]
})";

}  // namespace qblink::test

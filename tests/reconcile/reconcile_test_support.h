#pragma once
// Small builders for the reconcile tests: QuickBooks entries and app accounts by name.
#include <string>
#include <utility>
#include <vector>

#include "reconcile/reconcile.h"

namespace qblink::reconcile::fixtures {

inline QbEntry entry(QbList list, std::string full_name, std::string list_id,
                     bool is_active = true) {
  QbEntry e;
  e.list = list;
  e.list_id = std::move(list_id);
  e.name = full_name.substr(full_name.rfind(':') + 1);
  e.full_name = std::move(full_name);
  e.is_active = is_active;
  return e;
}

inline QbEntry customer(std::string full_name, std::string list_id, bool is_active = true) {
  return entry(QbList::Customer, std::move(full_name), std::move(list_id), is_active);
}

inline QbEntry vendor(std::string name, std::string list_id, bool is_active = true) {
  return entry(QbList::Vendor, std::move(name), std::move(list_id), is_active);
}

inline Account account(std::string id, std::string name, std::string accounting_name = "") {
  Account a;
  a.account_id = std::move(id);
  a.name = std::move(name);
  a.accounting_name = std::move(accounting_name);
  return a;
}

inline Account linked_account(std::string id, std::string name, std::string accounting_name,
                              std::string list_id) {
  Account a = account(std::move(id), std::move(name), std::move(accounting_name));
  a.list_id = std::move(list_id);
  return a;
}

inline Account declared_new(std::string id, std::string name, std::string accounting_name = "") {
  Account a = account(std::move(id), std::move(name), std::move(accounting_name));
  a.declared_new = true;
  return a;
}

}  // namespace qblink::reconcile::fixtures

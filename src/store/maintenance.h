#pragma once
// Internal to store/: the hook Store::begin() uses to arm a connection for failure injection
// (sqlite_maintenance.cpp).
#include "store/store.h"

namespace qblink::store {

class Database;

// Installs (faults != nullptr) or removes the statement counter on one pooled connection.
void arm_fault_injector(Database& db, FaultInjector* faults);

}  // namespace qblink::store

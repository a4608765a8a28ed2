#pragma once
// How each stored record is read from a result row, and the column lists those readers expect:
// the same for both engines, whose statements (store::Statement over SQLite, pg::Query over
// libpq) both give text(column) and integer(column).
#include "store/store.h"

namespace qblink::store {

inline constexpr const char* kAccountCols =
    "SELECT kind, account_id, name, accounting_name, company_name, first_name, last_name, "
    "phone, email, addr1, addr2, city, state, postal_code, country, status, list_id, "
    "qb_full_name, reason, detail, candidates, declared_new, changed_at FROM accounts ";
inline constexpr const char* kOutboxCols =
    "SELECT id, kind, account_id, name, state, list_id, error, run_id, reason, created_at "
    "FROM outbox ";

template <typename Row>
Tenant read_tenant(Row& s) {
  Tenant t;
  t.id = s.integer(0);
  t.username = s.text(1);
  t.password_hash = s.text(2);
  t.company_file = s.text(3);
  t.file_id = s.text(4);
  t.failed_logins = static_cast<int>(s.integer(5));
  t.last_failed_at = s.integer(6);
  t.known_file_id = s.text(7);
  t.known_company_name = s.text(8);
  t.known_company_path = s.text(9);
  t.auto_add_limit = static_cast<int>(s.integer(10));
  return t;
}

template <typename Row>
RunRow read_run(Row& s) {
  RunRow r;
  r.id = s.integer(0);
  r.tenant_id = s.integer(1);
  r.started_at = s.integer(2);
  r.ended_at = s.integer(3);
  r.outcome = s.text(4);
  r.linked = static_cast<int>(s.integer(5));
  r.added = static_cast<int>(s.integer(6));
  r.review = static_cast<int>(s.integer(7));
  r.errors = static_cast<int>(s.integer(8));
  r.records_fetched = s.integer(9);
  r.summary = s.text(10);
  return r;
}

template <typename Row>
EventRow read_event(Row& s) {
  EventRow e;
  e.id = s.integer(0);
  e.run_id = s.integer(1);
  e.at = s.integer(2);
  e.level = s.text(3);
  e.kind = s.text(4);
  e.account_kind = s.text(5);
  e.account_id = s.text(6);
  e.message = s.text(7);
  return e;
}

template <typename Row>
AccountRow read_account(Row& s) {
  AccountRow a;
  a.kind = static_cast<reconcile::AccountKind>(s.integer(0));
  a.account_id = s.text(1);
  a.name = s.text(2);
  a.accounting_name = s.text(3);
  a.company_name = s.text(4);
  a.first_name = s.text(5);
  a.last_name = s.text(6);
  a.phone = s.text(7);
  a.email = s.text(8);
  a.addr1 = s.text(9);
  a.addr2 = s.text(10);
  a.city = s.text(11);
  a.state = s.text(12);
  a.postal_code = s.text(13);
  a.country = s.text(14);
  a.status = s.text(15);
  a.list_id = s.text(16);
  a.qb_full_name = s.text(17);
  a.reason = s.text(18);
  a.detail = s.text(19);
  a.candidates = s.text(20);
  a.declared_new = s.integer(21) != 0;
  a.changed_at = s.integer(22);
  return a;
}

template <typename Row>
OutboxRow read_outbox(Row& s) {
  OutboxRow r;
  r.id = OutboxId{s.integer(0)};
  r.kind = static_cast<reconcile::AccountKind>(s.integer(1));
  r.account_id = s.text(2);
  r.name = s.text(3);
  r.state = static_cast<AddState>(s.integer(4));
  r.list_id = s.text(5);
  r.error = s.text(6);
  r.run_id = s.integer(7);
  r.reason = s.text(8);
  r.created_at = s.integer(9);
  return r;
}

template <typename Row>
ApiToken read_token(Row& s) {
  ApiToken t;
  t.id = s.integer(0);
  if (!s.is_null(1)) t.tenant_id = s.integer(1);
  t.name = s.text(2);
  t.hash = s.text(3);
  t.created_at = s.integer(4);
  t.last_used_at = s.integer(5);
  t.revoked = s.integer(6) != 0;
  return t;
}

template <typename Row>
Delivery read_delivery(Row& s) {
  Delivery d;
  d.id = s.integer(0);
  d.tenant_id = s.integer(1);
  d.run_id = s.integer(2);
  d.changed_after = s.integer(3);
  d.changed_upto = s.integer(4);
  d.body = s.text(5);
  d.state = static_cast<DeliveryState>(s.integer(6));
  d.attempts = static_cast<int>(s.integer(7));
  d.next_at = s.integer(8);
  d.created_at = s.integer(9);
  d.last_status = static_cast<int>(s.integer(10));
  d.last_error = s.text(11);
  return d;
}

inline constexpr const char* kEntryCols =
    "SELECT list, list_id, full_name, name, parent_list_id, is_active, edit_sequence, "
    "time_modified, company_name, first_name, last_name, phone, alt_phone, email, addr1, "
    "postal_code FROM qb_entries ";
inline constexpr const char* kSessionCols =
    "SELECT ticket, tenant_id, run_id, status, created_at, last_seen_at, state, last_error "
    "FROM sessions ";

template <typename Row>
QbRow read_entry(Row& s) {
  QbRow r;
  r.list = static_cast<reconcile::QbList>(s.integer(0));
  r.list_id = s.text(1);
  r.full_name = s.text(2);
  r.name = s.text(3);
  r.parent_list_id = s.text(4);
  r.is_active = s.integer(5) != 0;
  r.edit_sequence = s.text(6);
  r.time_modified = s.text(7);
  r.company_name = s.text(8);
  r.first_name = s.text(9);
  r.last_name = s.text(10);
  r.phone = s.text(11);
  r.alt_phone = s.text(12);
  r.email = s.text(13);
  r.addr1 = s.text(14);
  r.postal_code = s.text(15);
  return r;
}

template <typename Row>
SessionRow read_session(Row& s) {
  SessionRow r;
  r.ticket = s.text(0);
  r.tenant_id = s.integer(1);
  r.run_id = s.integer(2);
  r.status = static_cast<SessionStatus>(s.integer(3));
  r.created_at = s.integer(4);
  r.last_seen_at = s.integer(5);
  r.state = s.text(6);
  r.last_error = s.text(7);
  return r;
}

}  // namespace qblink::store

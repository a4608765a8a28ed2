#include "sync/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "qblink/version.h"
#include "qbxml/qbxml.h"
#include "reconcile/reconcile.h"
#include "session/machine.h"
#include "sync/auth.h"
#include "sync/call.h"
#include "sync/work.h"

namespace qblink::sync {
namespace {

using namespace detail;
using reconcile::QbList;
using store::AddState;
using store::SessionStatus;

// First sendRequestXML: what QuickBooks is, which qbXML to speak, and whether this is the
// company file this tenant has always used.
bool check_host(Call& c, const SendRequestArgs& a) {
  auto& m = c.data.machine;
  const auto owner = c.tx->owner_id();
  const auto host = qbxml::parse_hcp_response(a.hcp_response, owner);
  const qbxml::Version reported{a.qbxml_major, a.qbxml_minor};
  const auto choice = qbxml::choose_version(
      host.ok ? host.supported_versions : std::vector<qbxml::Version>{}, reported);
  if (!choice) {
    const auto min = qbxml::minimum_supported_version();
    session::fail(m, fmt::format("QuickBooks reports qbXML {}.{}; qblink needs qbXML {}.{} or "
                                 "newer (QuickBooks 2006 or later). No request was sent; please "
                                 "update QuickBooks Desktop.",
                                 a.qbxml_major, a.qbxml_minor, min.major, min.minor));
    c.event("error", "qbxml-version", m.error);
    return false;
  }
  const qbxml::Version chosen = *choice;
  m.qbxml_major = chosen.major;
  m.qbxml_minor = chosen.minor;

  const std::string found_id = host.ok ? host.file_id : "";
  const std::string found_name = host.ok ? host.company_name : "";
  const auto& t = c.tenant;
  const bool known = !t.known_file_id.empty() || !t.known_company_name.empty();
  bool same = true;
  if (known) {
    if (!t.known_file_id.empty() && !found_id.empty())
      same = t.known_file_id == found_id;
    else
      same = t.known_company_name == found_name && t.known_company_path == a.company_file_name;
  }
  if (!same) {
    session::fail(
        m, fmt::format("Wrong company file for tenant '{}': expected \"{}\" ({}, FileID "
                       "{}), found \"{}\" ({}, FileID {}). No request was sent. If the "
                       "company file really moved, run: qblink user reset-company {}",
                       t.username, t.known_company_name, t.known_company_path,
                       t.known_file_id.empty() ? "none" : t.known_file_id, found_name,
                       a.company_file_name, found_id.empty() ? "none" : found_id, t.username));
    c.event("error", "company", m.error);
    return false;
  }
  c.event("info", "company",
          fmt::format("{} ({}), company \"{}\" at {}, qbXML {}.{} reported, {}.{} used",
                      host.product_name.empty() ? "?" : host.product_name,
                      a.country.empty() ? host.country : a.country, found_name, a.company_file_name,
                      a.qbxml_major, a.qbxml_minor, chosen.major, chosen.minor));
  c.data.file_id = found_id;
  c.data.company_name = found_name;
  c.data.company_path = a.company_file_name;
  return true;
}

}  // namespace

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Service::Service(store::Store& store, ServiceOptions options, Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)) {}

std::mutex& Service::tenant_lock(store::TenantId tenant) {
  std::lock_guard guard(locks_mutex_);
  auto& slot = locks_[tenant];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

std::mutex& Service::tenant_lock(const std::string& ticket) {
  store::TenantId tenant = 0;
  {
    auto tx = store_.begin(false);
    if (auto s = tx->session(ticket)) tenant = s->tenant_id;
  }
  return tenant_lock(tenant);  // tenant 0 serialises calls with unknown tickets: cheap ones
}

bool Service::ticket_is_open(const std::string& ticket) {
  if (ticket.empty()) return false;
  auto tx = store_.begin(false);
  const auto row = tx->session(ticket);
  return row && row->status == SessionStatus::Open &&
         clock_() - row->last_seen_at <= options_.ticket_idle_seconds;
}

std::string Service::server_version() { return std::string("qblink ") + kVersion; }

std::string Service::client_version(const std::string& version) {
  // QBWC 2.0 brought NoOp, interactive mode and the update lock; before it nothing works.
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) < 1)
    return "";  // unknown format: let it try rather than refuse a working client
  if (major < 2) return "E:qblink needs QuickBooks Web Connector 2.1 or newer; this is " + version;
  if (major == 2 && minor < 1)
    return "W:qblink is tested with QuickBooks Web Connector 2.1 or newer; this is " + version +
           ". Please upgrade.";
  return "";
}

std::vector<std::string> Service::authenticate(const std::string& user,
                                               const std::string& password) {
  const auto now = clock_();
  std::optional<store::Tenant> tenant;
  {
    auto tx = store_.begin(false);
    tenant = tx->tenant_by_name(user);
  }
  if (!tenant) {
    burn_verify_time(password);
    spdlog::warn("authenticate: unknown user '{}'", user);
    return {"", "nvu"};
  }
  // Repeated failures slow the answers down (bounded, never a permanent lock-out).
  if (tenant->failed_logins >= options_.slow_login_after) {
    const int extra = tenant->failed_logins - options_.slow_login_after;
    const std::int64_t wait = std::min<std::int64_t>(60, std::int64_t{1} << std::min(extra, 6));
    if (now - tenant->last_failed_at < wait) {
      spdlog::warn("authenticate: '{}' is slowed down after {} failed logins", user,
                   tenant->failed_logins);
      return {"", "nvu"};
    }
  }
  if (!verify_password(tenant->password_hash, password)) {
    auto tx = store_.begin(true);
    tx->set_login_failures(tenant->id, tenant->failed_logins + 1, now);
    tx->commit();
    spdlog::warn("authenticate: wrong password for '{}'", user);
    return {"", "nvu"};
  }

  std::lock_guard guard(tenant_lock(tenant->id));
  auto tx = store_.begin(true);
  if (tenant->failed_logins) tx->set_login_failures(tenant->id, 0, 0);
  const auto superseded = tx->supersede_sessions(tenant->id);
  // Adds sent by a session that never heard back (lost, crashed, superseded) are in doubt.
  const int in_doubt = tx->mark_sent_in_doubt(tenant->id);
  // Every outbox row belongs to an account, so accounts are the whole question.
  const bool work = tx->account_count(tenant->id) > 0;
  tx->delete_sessions_before(now - 7 * 24 * 3600);

  const std::string ticket = new_ticket();
  store::SessionRow row;
  row.ticket = ticket;
  row.tenant_id = tenant->id;
  row.created_at = row.last_seen_at = now;
  if (!work) {
    row.status = SessionStatus::Closed;
    tx->create_session(row);
    tx->commit();
    spdlog::info("authenticate: '{}' has nothing to do", user);
    return {ticket, "none"};
  }
  row.run_id = tx->start_run(tenant->id, now);
  row.state = encode(SessionData{});
  tx->create_session(row);
  Call c;
  c.tx = std::move(tx);
  c.row = row;
  c.tenant = *tenant;
  c.now = now;
  c.event("info", "qbwc", fmt::format("session started for tenant '{}'", user));
  for (const auto& old : superseded)
    c.event("warn", "qbwc",
            fmt::format("an earlier session ({}...) was still open: superseded by this one",
                        old.substr(0, 8)));
  if (in_doubt)
    c.event("warn", "in-doubt",
            fmt::format("{} add(s) sent earlier got no answer; re-querying them first", in_doubt));
  c.tx->commit();
  return {ticket, tenant->company_file};
}

std::string Service::send_request_xml(const SendRequestArgs& a) {
  std::lock_guard guard(tenant_lock(a.ticket));
  auto call = open_call(store_, a.ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return "";
  Call& c = *call;
  auto& m = c.data.machine;
  try {
    if (m.phase == session::Phase::Authenticated) {
      if (!check_host(c, a)) {
        end_run(c, "failed");
        save(c);
        return "";
      }
      // Decide per list, once per session, whether this fetch is complete or incremental.
      for (int i = 0; i < kPlanSize; ++i) {
        const auto mark = c.tx->list_mark(c.tenant.id, kPlan[i]);
        if (mark.last_full_at == 0 || mark.max_time_modified.empty() ||
            c.now - mark.last_full_at >= options_.full_refresh_seconds)
          c.data.full_mask |= 1 << i;
      }
    }
    const qbxml::Version version{m.qbxml_major, m.qbxml_minor};
    for (;;) {
      const auto facts = facts_for(*c.tx, c.tenant.id, options_);
      const auto action = session::next_request(m, facts);
      switch (action.kind) {
        case session::ActionKind::Reconcile:
          apply_reconcile(c);
          continue;
        case session::ActionKind::QueryInDoubt: {
          auto xml = build_in_doubt_query(c, options_, version);
          save(c);
          return xml;
        }
        case session::ActionKind::QueryPage: {
          auto xml = build_page_query(c, options_, version, action);
          save(c);
          return xml;
        }
        case session::ActionKind::SendAdds: {
          auto xml = build_add_batch(c, options_, version);
          save(c);
          return xml;
        }
        case session::ActionKind::Finish:
          save(c);
          return "";
        case session::ActionKind::Error:
          save(c);
          return "";
      }
    }
  } catch (const std::exception& e) {
    // A bug or a store failure: roll back this call, end the session with a readable reason.
    spdlog::error("sendRequestXML failed: {}", e.what());
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = tx->session(a.ticket)) {
      row->last_error = std::string("qblink internal error: ") + e.what();
      tx->save_session(*row);
      tx->commit();
    }
    return "";
  }
}

int Service::receive_response_xml(const ReceiveResponseArgs& a) {
  std::lock_guard guard(tenant_lock(a.ticket));
  auto call = open_call(store_, a.ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return -1;
  Call& c = *call;
  auto& m = c.data.machine;
  try {
    if (!a.hresult.empty()) {
      session::on_quickbooks_error(m, a.hresult, a.message);
      // The whole message set was refused; anything it carried is in doubt, never assumed.
      for (const auto& row : c.tx->outbox(c.tenant.id, AddState::Sent, 1 << 30))
        c.tx->set_add_state(row.id, AddState::InDoubt, c.row.run_id, "", "");
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    const auto parsed = qbxml::parse_response(a.response);
    if (!parsed.ok) {
      session::fail(m, "qblink could not read QuickBooks' response: " + parsed.error);
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    bool answered_in_doubt = false, answered_adds = false;
    // requestIDs say what each answer is for: p<list index>, d<outbox id>, a<outbox id>.
    for (const auto& item : parsed.items) {
      const std::string& rid = item.request_id;
      if (rid.size() < 2) continue;
      const auto number = std::stoll(rid.substr(1));
      if (rid[0] == 'p') {
        if (!apply_page(c, item, static_cast<int>(number))) break;
      } else if (rid[0] == 'd') {
        answered_in_doubt = true;
        apply_in_doubt(c, item, number);
      } else if (rid[0] == 'a') {
        answered_adds = true;
        apply_add(c, item, number);
      }
    }
    if (answered_in_doubt) session::on_in_doubt_answered(m);
    if (answered_adds) {
      flush_added_marks(c);
      session::on_adds_answered(m);
    }
    // Reconcile in-process as soon as the last list is in, so the percent below is honest.
    if (m.phase == session::Phase::Fetch && m.list_index >= kPlanSize) {
      m.phase = session::Phase::Add;
      apply_reconcile(c);
    }
    const auto facts = facts_for(*c.tx, c.tenant.id, options_);
    if ((m.phase == session::Phase::Add) && facts.in_doubt == 0 && facts.queued_adds == 0)
      m.phase = session::Phase::Finished;
    const int pct = session::percent(m, facts);
    if (pct == 100 || pct < 0) end_run(c, pct == 100 ? "ok" : "failed");
    save(c);
    return pct;
  } catch (const std::exception& e) {
    spdlog::error("receiveResponseXML failed: {}", e.what());
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = tx->session(a.ticket)) {
      row->last_error = std::string("qblink internal error: ") + e.what();
      auto data = decode(row->state);
      session::fail(data.machine, row->last_error);
      row->state = encode(data);
      tx->save_session(*row);
      tx->commit();
    }
    return -1;
  }
}

std::string Service::connection_error(const std::string& ticket, const std::string& hresult,
                                      const std::string& message) {
  std::lock_guard guard(tenant_lock(ticket));
  auto call = open_call(store_, ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return "done";
  Call& c = *call;
  session::fail(
      c.data.machine,
      fmt::format("The Web Connector could not open the company file ({}): {}", hresult, message));
  c.event("error", "connection", c.data.machine.error);
  end_run(c, "company not open");
  c.row.status = SessionStatus::Closed;
  save(c);
  return "done";
}

std::string Service::get_last_error(const std::string& ticket) {
  std::lock_guard guard(tenant_lock(ticket));
  auto tx = store_.begin(false);
  const auto row = tx->session(ticket);
  if (!row)
    return "Unknown ticket: this session is not known to qblink (expired or never issued). "
           "The next update will authenticate again.";
  if (row->status == SessionStatus::Superseded) {
    const auto tenant = tx->tenant(row->tenant_id);
    return fmt::format(
        "This session of tenant '{}' was replaced by a newer session; it gets no "
        "more work.",
        tenant ? tenant->username : "?");
  }
  if (!row->last_error.empty()) return row->last_error;
  return session::last_error_text(decode(row->state).machine);
}

std::string Service::close_connection(const std::string& ticket) {
  std::lock_guard guard(tenant_lock(ticket));
  auto tx = store_.begin(true);
  auto row = tx->session(ticket);
  if (!row) return "Unknown ticket; nothing to close.";
  if (row->status == SessionStatus::Superseded) return "Superseded by a newer session.";
  Call c;
  c.now = clock_();
  c.tx = std::move(tx);
  c.row = *row;
  c.data = decode(row->state);
  c.tenant = *c.tx->tenant(row->tenant_id);
  if (row->run_id == 0) {  // authenticate said "none"
    c.tx->commit();
    return "Nothing to do.";
  }
  const auto review = c.tx->account_count(c.tenant.id, "review");
  std::string text;
  if (c.data.machine.phase == session::Phase::Failed) {
    text = "Failed: " + c.data.machine.error;
    end_run(c, "failed");
  } else if (c.data.machine.phase == session::Phase::Finished) {
    text = summary_of(c.data, review);
    end_run(c, "ok");
  } else {
    text = "Stopped before the end: " + summary_of(c.data, review);
    end_run(c, "incomplete");
  }
  c.event("info", "qbwc", "closeConnection: " + text);
  c.row.status = SessionStatus::Closed;
  c.row.state = encode(c.data);
  c.row.last_seen_at = c.now;
  c.tx->save_session(c.row);
  c.tx->commit();
  return text;
}

std::string Service::get_interactive_url(const std::string&, const std::string&) { return ""; }
std::string Service::interactive_done(const std::string&) { return "Done"; }
std::string Service::interactive_rejected(const std::string&, const std::string& reason) {
  return "qblink has no interactive mode (" + reason + ")";
}

}  // namespace qblink::sync

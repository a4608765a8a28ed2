#include "sync/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "obs/log.h"
#include "obs/metrics.h"
#include "qblink/version.h"
#include "qbxml/qbxml.h"
#include "reconcile/reconcile.h"
#include "session/machine.h"
#include "sync/auth.h"
#include "sync/call.h"
#include "sync/report.h"
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

std::string log_safe(std::string_view text) {
  // A user name is attacker-chosen: no control character may forge a log line, and no name may
  // flood the log.
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < 80; ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch < 0x20 || ch == 0x7f || ch == '\\')
      out += fmt::format("\\x{:02x}", ch);
    else
      out += static_cast<char>(ch);
  }
  if (text.size() > 80) out += "...";
  return out;
}

void LoginThrottle::prune(std::int64_t now) {
  // Bounded memory: forget expired windows once the maps grow.
  for (auto* map : {&by_address_, &by_user_address_}) {
    if (map->size() < 10'000) continue;
    for (auto it = map->begin(); it != map->end();)
      it = now - it->second.since > window_ ? map->erase(it) : std::next(it);
  }
}

LoginThrottle::Verdict LoginThrottle::check(const std::string& user, const std::string& client,
                                            std::int64_t now) {
  std::lock_guard lock(mutex_);
  Verdict v;
  auto live = [&](const std::map<std::string, Count>& map, const std::string& key) {
    const auto it = map.find(key);
    return it != map.end() && now - it->second.since <= window_ ? it->second.failures : 0;
  };
  if (!client.empty()) v.address_blocked = live(by_address_, client) >= limit_;
  v.failed_here = client.empty() || live(by_user_address_, user + '\n' + client) > 0;
  return v;
}

void LoginThrottle::failed(const std::string& user, const std::string& client, std::int64_t now) {
  std::lock_guard lock(mutex_);
  prune(now);
  std::string user_address = user;
  user_address.append(1, '\n').append(client);
  for (auto [map, key] :
       {std::pair{&by_address_, client}, std::pair{&by_user_address_, user_address}}) {
    auto& count = (*map)[key];
    if (now - count.since > window_) count = {0, now};
    ++count.failures;
  }
}

void LoginThrottle::succeeded(const std::string& user, const std::string& client) {
  std::lock_guard lock(mutex_);
  by_user_address_.erase(user + '\n' + client);
}

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Service::Service(store::Store& store, ServiceOptions options, Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)) {
  throttle_.configure(options_.address_failures_limit, options_.address_window_seconds);
  hash_gate_.configure(options_.max_concurrent_hashes, options_.max_waiting_hashes);
  verified_.set_lifetime(options_.verified_password_seconds);
}

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

bool Service::ticket_is_open_impl(const std::string& ticket) {
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

std::vector<std::string> Service::authenticate_impl(const std::string& user,
                                                    const std::string& password,
                                                    const std::string& client) {
  const auto now = clock_();
  const std::string who = log_safe(user);
  const std::string from = client.empty() ? "unknown address" : log_safe(client);
  std::optional<store::Tenant> tenant;
  {
    auto tx = store_.begin(false);
    tenant = tx->tenant_by_name(user);
  }
  const auto verdict = throttle_.check(user, client, now);
  // argon2id runs at most options_.max_concurrent_hashes at once: a login that finds no slot
  // (a flood of logins) is told to come back later, and the workers stay free for the sessions.
  // Known or not, right or wrong, every login that would hash is treated alike here.
  std::optional<HashGate::Slot> slot;
  const auto gate = [&] {
    slot.emplace(hash_gate_.acquire());
    if (!*slot)
      spdlog::warn("authenticate: '{}' from {} told busy: {} password hashes already running", who,
                   from, options_.max_concurrent_hashes);
    return static_cast<bool>(*slot);
  };
  std::vector<std::string> busy{"", "busy"};
  // Every refusal costs one password verification, so a throttled or unknown user answers in
  // the same time as a wrong password (timing reveals nothing).
  if (verdict.address_blocked) {
    if (tenant) verified_.forget(tenant->id);
    if (!gate()) return busy;
    burn_verify_time(password);
    spdlog::warn("authenticate: '{}' from {} refused: too many failed logins from that address",
                 who, from);
    return {"", "nvu"};
  }
  if (!tenant) {
    if (!gate()) return busy;
    burn_verify_time(password);
    throttle_.failed(user, client, now);
    spdlog::warn("authenticate: unknown user '{}' from {}", who, from);
    return {"", "nvu"};
  }
  // A user with repeated failures is slowed down, but only for the addresses that failed: the
  // real user, from an address that never guessed wrong, still gets in with the right password.
  if (tenant->failed_logins >= options_.slow_login_after && verdict.failed_here) {
    const int extra = tenant->failed_logins - options_.slow_login_after;
    const std::int64_t wait = std::min<std::int64_t>(60, std::int64_t{1} << std::min(extra, 6));
    if (now - tenant->last_failed_at < wait) {
      verified_.forget(tenant->id);
      if (!gate()) return busy;
      burn_verify_time(password);
      spdlog::warn("authenticate: '{}' from {} is slowed down after {} failed logins", who, from,
                   tenant->failed_logins);
      return {"", "nvu"};
    }
  }
  // The Web Connector sends the password on every scheduled run: one it verified moments ago is
  // recognised from a keyed hash in memory (VerifiedPasswords in sync/auth.h says why that is
  // safe); anything else pays the full argon2id verification. Only the right password is fast.
  const bool ok = verified_.check(tenant->id, tenant->password_hash, password, now) || [&] {
    if (!gate()) return false;
    const bool right = verify_password(tenant->password_hash, password);
    slot.reset();
    if (right) verified_.remember(tenant->id, tenant->password_hash, password, now);
    return right;
  }();
  if (!ok && slot && !*slot) return busy;  // no argon2id slot: no verdict on the password
  if (!ok) {
    verified_.forget(tenant->id);
    auto tx = store_.begin(true);
    const int count = tx->record_login_failure(tenant->id, now);
    tx->commit();
    throttle_.failed(user, client, now);
    spdlog::warn("authenticate: wrong password for '{}' from {} ({} in a row)", who, from, count);
    return {"", "nvu"};
  }
  throttle_.succeeded(user, client);

  std::lock_guard guard(tenant_lock(tenant->id));
  auto tx = store_.begin(true);
  // Across instances: supersede whatever session another instance is serving, after its call.
  tx->lock_tenant(tenant->id);
  if (tenant->failed_logins) tx->set_login_failures(tenant->id, 0, 0);
  const auto superseded = tx->supersede_sessions(tenant->id);
  // The sessions this login replaces end here; their lines are logged once this commits.
  std::vector<store::SessionRow> replaced;
  for (const auto& old : superseded)
    if (auto r = tx->session(old)) replaced.push_back(std::move(*r));
  // Runs whose session never closed (lost, expired, superseded) are over.
  const int abandoned = tx->abandon_runs(tenant->id, now);
  // Adds sent by a session that never heard back (lost, crashed, superseded) are in doubt.
  const int in_doubt = tx->mark_sent_in_doubt(tenant->id);
  // Every outbox row belongs to an account, so accounts are the whole question.
  const bool work = tx->account_count(tenant->id) > 0;
  tx->delete_sessions_before(now - 7 * 24 * 3600);

  const auto review = replaced.empty() ? 0 : tx->account_count(tenant->id, "review");
  const auto committed = [&] {
    for (const auto& r : replaced)
      session_ended(tenant->username, r, decode(r.state), "superseded", review, r.last_seen_at);
    if (in_doubt) obs::metrics().adds_in_doubt.add(in_doubt);
  };

  const std::string ticket = new_ticket();
  store::SessionRow row;
  row.ticket = ticket;
  row.tenant_id = tenant->id;
  row.created_at = row.last_seen_at = now;
  SessionData started;
  started.client = client;
  started.calls = 1;
  row.state = encode(started);
  if (!work) {
    row.status = SessionStatus::Closed;
    tx->create_session(row);
    tx->commit();
    committed();
    spdlog::info("authenticate: '{}' has nothing to do", who);
    return {ticket, "none"};
  }
  row.run_id = tx->start_run(tenant->id, now);
  started.change_mark = tx->last_account_change(tenant->id);
  row.state = encode(started);
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
  if (abandoned)
    c.event("warn", "qbwc",
            fmt::format("{} earlier run(s) never finished; marked abandoned", abandoned));
  if (in_doubt)
    c.event("warn", "in-doubt",
            fmt::format("{} add(s) sent earlier got no answer; re-querying them first", in_doubt));
  c.tx->commit();
  committed();
  return {ticket, tenant->company_file};
}

std::string Service::send_request_xml_impl(const SendRequestArgs& a) {
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
      plan_fetch(c, options_);
    }
    const qbxml::Version version{m.qbxml_major, m.qbxml_minor};
    for (;;) {
      auto facts = facts_for(*c.tx, c.tenant.id, options_);
      facts.all_lists_at_once = c.data.lists_at_once;
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
        case session::ActionKind::QueryAllLists: {
          auto xml = build_all_lists_query(c, options_, version);
          save(c);
          return xml;
        }
        case session::ActionKind::SendAdds: {
          auto xml = build_add_batch(c, options_, version);
          save(c);
          return xml;
        }
        case session::ActionKind::Finish:
        case session::ActionKind::Error:
          save(c);
          return "";
      }
    }
  } catch (const std::exception& e) {
    // A bug or a store failure: roll back this call, end the session with a readable reason.
    spdlog::error("sendRequestXML failed: {}", e.what());
    count_if_database_error(e);
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = locked_session(*tx, a.ticket)) {
      row->last_error = std::string("qblink internal error: ") + e.what();
      tx->save_session(*row);
      tx->commit();
    }
    return "";
  }
}

namespace {

// "p0", "d12", "a345": a letter and 1 to 18 digits (so it fits an int64), nothing else.
std::optional<std::pair<char, std::int64_t>> parse_request_id(const std::string& rid) {
  if (rid.size() < 2 || rid.size() > 19) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 1; i < rid.size(); ++i) {
    if (rid[i] < '0' || rid[i] > '9') return std::nullopt;
    n = n * 10 + (rid[i] - '0');
  }
  return std::pair{rid[0], n};
}

}  // namespace

int Service::receive_response_xml_impl(const ReceiveResponseArgs& a) {
  // Parse before taking the tenant lock and the write transaction: a large answer must not hold
  // the database's write lock while it is read (other tenants' writes would wait on it).
  std::optional<qbxml::ParsedResponse> parsed;
  if (a.hresult.empty() && ticket_is_open(a.ticket)) parsed = qbxml::parse_response(a.response);

  std::lock_guard guard(tenant_lock(a.ticket));
  auto call = open_call(store_, a.ticket, clock_(), options_.ticket_idle_seconds);
  if (!call) return -1;
  Call& c = *call;
  auto& m = c.data.machine;
  try {
    if (!a.hresult.empty()) {
      session::on_quickbooks_error(m, a.hresult, a.message);
      // The whole message set was refused; anything it carried is in doubt, never assumed.
      for (const auto& row : c.tx->outbox(c.tenant.id, AddState::Sent, 1 << 30)) {
        c.tx->set_add_state(c.tenant.id, row.id, AddState::InDoubt, c.row.run_id, "", "");
        ++c.adds.in_doubt;
      }
      c.data.awaiting.clear();
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    if (!parsed) parsed = qbxml::parse_response(a.response);  // the ticket became open meanwhile
    std::size_t records = 0;
    for (const auto& item : parsed->items) records += item.records.size();
    if (parsed->ok && records > static_cast<std::size_t>(options_.max_records_per_response)) {
      parsed->ok = false;
      parsed->error = fmt::format("{} records in one answer; at most {} are accepted", records,
                                  options_.max_records_per_response);
    }
    if (!parsed->ok) {
      session::fail(m, "qblink could not read QuickBooks' response: " + parsed->error);
      c.event("error", "quickbooks", m.error);
      end_run(c, "failed");
      save(c);
      return -1;
    }
    bool answered_in_doubt = false, answered_adds = false;
    // requestIDs say what each answer is for: p<list index>, d<outbox id>, a<outbox id>. Only
    // the ones the last sendRequestXML of this session sent, each once: an answer naming any
    // other id (another tenant's row, a page never asked for) changes nothing.
    int ignored = 0;
    for (const auto& item : parsed->items) {
      const auto it = std::find(c.data.awaiting.begin(), c.data.awaiting.end(), item.request_id);
      const auto id = parse_request_id(item.request_id);
      if (it == c.data.awaiting.end() || !id) {
        ++ignored;
        continue;
      }
      c.data.awaiting.erase(it);
      const auto [letter, number] = *id;
      if (letter == 'p') {
        // The list in turn, or (the all-lists message set) a later one; never another list's
        // answer under this requestID.
        if (number < m.list_index || number >= kPlanSize || !item.is_list ||
            from_qbxml(item.kind) != kPlan[number]) {
          ++ignored;
          continue;
        }
        const int index = static_cast<int>(number);
        if (!(index == m.list_index ? apply_page(c, item, index)
                                    : apply_list_out_of_turn(c, item, index)))
          break;
      } else if (letter == 'd') {
        answered_in_doubt = true;
        apply_in_doubt(c, item, store::OutboxId{number});
      } else if (letter == 'a') {
        answered_adds = true;
        apply_add(c, item, store::OutboxId{number});
      }
    }
    if (ignored)
      c.event("warn", "qbwc",
              fmt::format("{} answer(s) with a requestID this session did not ask for: ignored",
                          ignored));
    c.data.awaiting.clear();  // what was not answered now stays unanswered (adds: in doubt)
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
    count_if_database_error(e);
    call.reset();  // roll back and release the connection before recording the failure
    auto tx = store_.begin(true);
    if (auto row = locked_session(*tx, a.ticket)) {
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

std::string Service::connection_error_impl(const std::string& ticket, const std::string& hresult,
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
  const auto review = c.tx->account_count(c.tenant.id, "review");
  save(c);
  session_ended(c.tenant.username, c.row, c.data, "company not open", review, c.now);
  return "done";
}

std::string Service::get_last_error_impl(const std::string& ticket) {
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

std::string Service::close_connection_impl(const std::string& ticket) {
  std::lock_guard guard(tenant_lock(ticket));
  auto tx = store_.begin(true);
  auto row = locked_session(*tx, ticket);
  if (!row) return "Unknown ticket; nothing to close.";
  if (row->status == SessionStatus::Superseded) return "Superseded by a newer session.";
  Call c;
  c.now = clock_();
  c.tx = std::move(tx);
  c.row = *row;
  c.data = decode(row->state);
  ++c.data.calls;
  c.tenant = *c.tx->tenant(row->tenant_id);
  if (row->run_id == 0) {  // authenticate said "none"
    const auto review = c.tx->account_count(c.tenant.id, "review");
    c.tx->commit();
    session_ended(c.tenant.username, c.row, c.data, "nothing to do", review, c.now);
    return "Nothing to do.";
  }
  const auto totals = totals_of(*c.tx, c.tenant.id);
  std::string text;
  if (c.data.machine.phase == session::Phase::Failed) {
    text = "Failed: " + c.data.machine.error;
    end_run(c, "failed");
  } else if (c.data.machine.phase == session::Phase::Finished) {
    text = summary_of(c.data, totals);
    end_run(c, "ok");
  } else {
    text = "Stopped before the end: " + summary_of(c.data, totals);
    end_run(c, "incomplete");
  }
  c.event("info", "qbwc", "closeConnection: " + text);
  c.row.status = SessionStatus::Closed;
  c.row.state = encode(c.data);
  c.row.last_seen_at = c.now;
  c.tx->save_session(c.row);
  const auto run = c.tx->run(c.row.run_id);
  c.tx->commit();
  session_ended(c.tenant.username, c.row, c.data, run ? run->outcome : "?", totals.review, c.now);
  return text;
}

std::string Service::get_interactive_url(const std::string&, const std::string&) { return ""; }
std::string Service::interactive_done(const std::string&) { return "Done"; }
std::string Service::interactive_rejected(const std::string&, const std::string& reason) {
  return "qblink has no interactive mode (" + reason + ")";
}

// Every Web Connector method answers in its protocol's shape whatever fails below it (a database
// error, a bug): an exception escaping here could only become a plain HTTP 500. Each call's own
// transaction was rolled back by then; the next call starts clean.
namespace {

template <typename R, typename F>
R answer_even_if(const char* method, R on_failure, F&& call) {
  try {
    return call();
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", method, e.what());
    count_if_database_error(e);
  } catch (...) {
    spdlog::error("{} failed", method);
  }
  return on_failure;
}

// A Web Connector method: answered whatever fails (answer_even_if), counted and timed per method
// (qblink_soap_calls_total, qblink_soap_call_duration_seconds).
template <typename R, typename F>
R soap_answer(const char* method, R on_failure, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  R answer = answer_even_if(method, std::move(on_failure), std::forward<F>(call));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto& m = obs::metrics();
  m.soap_calls.add(method);
  m.soap_seconds.observe(method, seconds);
  obs::event(spdlog::level::debug, "qbwc call", {{"method", method}, {"seconds", seconds}});
  return answer;
}

}  // namespace

bool Service::ticket_is_open(const std::string& ticket) {
  return answer_even_if("ticket check", false, [&] { return ticket_is_open_impl(ticket); });
}

std::vector<std::string> Service::authenticate(const std::string& user, const std::string& password,
                                               const std::string& client) {
  // "busy": the Web Connector tries again later, rather than telling the user the password is
  // wrong.
  auto answer = soap_answer("authenticate", std::vector<std::string>{"", "busy"},
                            [&] { return authenticate_impl(user, password, client); });
  if (answer.size() > 1 && answer[1] == "nvu") obs::metrics().failed_logins.add("qbwc");
  return answer;
}

std::string Service::send_request_xml(const SendRequestArgs& a) {
  return soap_answer("sendRequestXML", std::string(), [&] { return send_request_xml_impl(a); });
}

int Service::receive_response_xml(const ReceiveResponseArgs& a) {
  return soap_answer("receiveResponseXML", -1, [&] { return receive_response_xml_impl(a); });
}

std::string Service::connection_error(const std::string& ticket, const std::string& hresult,
                                      const std::string& message) {
  return soap_answer("connectionError", std::string("done"),
                     [&] { return connection_error_impl(ticket, hresult, message); });
}

std::string Service::get_last_error(const std::string& ticket) {
  return soap_answer(
      "getLastError",
      std::string("qblink could not read this session from its database; the next update "
                  "starts again (details in the server log)"),
      [&] { return get_last_error_impl(ticket); });
}

std::string Service::close_connection(const std::string& ticket) {
  return soap_answer(
      "closeConnection",
      std::string("qblink could not record the end of this session (details in the server log)"),
      [&] { return close_connection_impl(ticket); });
}

}  // namespace qblink::sync

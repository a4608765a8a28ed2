#pragma once
// The application service behind each QBWC call: loads the session from the store, runs the
// session machine, builds and parses qbXML, applies reconcile decisions, and commits it all in
// one transaction. One tenant's calls run one at a time, across every instance on the database
// (Tx::lock_tenant); tenants run in parallel.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "sync/auth.h"

namespace qblink::sync {

struct SendRequestArgs {
  std::string ticket, hcp_response, company_file_name, country;
  int qbxml_major = 0, qbxml_minor = 0;
};

struct ReceiveResponseArgs {
  std::string ticket, response, hresult, message;
};

struct ServiceOptions {
  int page_size = 500;                            // MaxReturned per query page
  int batch_size = 100;                           // adds per message set
  std::int64_t ticket_idle_seconds = 30 * 60;     // a ticket unused this long is expired
  std::int64_t full_refresh_seconds = 24 * 3600;  // a complete snapshot at least this often
  // FromModifiedDate is inclusive and QuickBooks compares it in its own (DST-shifted) offset, so
  // the mark is sent back as QuickBooks wrote it, a little earlier; the daily full refresh
  // catches anything a DST fall-back hour could hide.
  std::int64_t modified_overlap_seconds = 120;
  int slow_login_after = 5;  // failed logins of a user before its answers slow down
  // Failed logins from one client address, of any user, before that address is refused for
  // `address_window_seconds`.
  int address_failures_limit = 20;
  std::int64_t address_window_seconds = 15 * 60;
  int max_records_per_response = 50'000;  // one answer carrying more is refused, not applied
  // A password verified by argon2id is remembered this long, in memory only, as a keyed hash
  // (sync/auth.h VerifiedPasswords, docs/SECURITY.md); 0 = always run argon2id.
  std::int64_t verified_password_seconds = 10 * 60;
  // argon2id runs at once (sync/auth.h HashGate), and logins waiting for one (negative: any
  // number; `qblink serve` keeps one worker free of them). A login turned away answers "busy".
  int max_concurrent_hashes = 2;
  int max_waiting_hashes = -1;
};

// Failed logins per client address and per (user, address), in memory: an address that guesses
// is slowed down without locking the real user out from their own address (docs/SECURITY.md).
class LoginThrottle {
 public:
  struct Verdict {
    bool address_blocked = false;  // too many failures from this address, any user
    bool failed_here = false;      // this address failed for this user recently
  };
  Verdict check(const std::string& user, const std::string& client, std::int64_t now);
  void failed(const std::string& user, const std::string& client, std::int64_t now);
  void succeeded(const std::string& user, const std::string& client);
  void configure(int limit, std::int64_t window) {
    limit_ = limit;
    window_ = window;
  }

 private:
  struct Count {
    int failures = 0;
    std::int64_t since = 0;
  };
  void prune(std::int64_t now);
  std::mutex mutex_;
  std::map<std::string, Count> by_address_, by_user_address_;
  int limit_ = 20;
  std::int64_t window_ = 15 * 60;
};

using Clock = std::function<std::int64_t()>;  // unix seconds

// Text from outside (user names, addresses) made safe for one log line: control characters and
// backslashes as \xNN, at most 80 bytes.
std::string log_safe(std::string_view text);
std::int64_t system_clock_seconds();

class Service {
 public:
  Service(store::Store& store, ServiceOptions options = {}, Clock clock = system_clock_seconds);

  std::string server_version();
  std::string client_version(const std::string& version);
  // `client` is the peer address (for throttling and logs); "" when unknown.
  std::vector<std::string> authenticate(const std::string& user, const std::string& password,
                                        const std::string& client = {});
  std::string send_request_xml(const SendRequestArgs& args);
  int receive_response_xml(const ReceiveResponseArgs& args);
  std::string connection_error(const std::string& ticket, const std::string& hresult,
                               const std::string& message);
  std::string get_last_error(const std::string& ticket);
  std::string close_connection(const std::string& ticket);
  std::string get_interactive_url(const std::string& ticket, const std::string& session_id);
  std::string interactive_done(const std::string& ticket);
  std::string interactive_rejected(const std::string& ticket, const std::string& reason);

  const ServiceOptions& options() const { return options_; }

  // True when `ticket` names an open, unexpired session: lets the HTTP layer refuse a large
  // receiveResponseXML body for an unknown ticket before reading it whole. Read-only, cheap.
  bool ticket_is_open(const std::string& ticket);

 private:
  // The methods above catch every failure of these and answer in the protocol's shape.
  std::vector<std::string> authenticate_impl(const std::string& user, const std::string& password,
                                             const std::string& client);
  std::string send_request_xml_impl(const SendRequestArgs& args);
  int receive_response_xml_impl(const ReceiveResponseArgs& args);
  std::string connection_error_impl(const std::string& ticket, const std::string& hresult,
                                    const std::string& message);
  std::string get_last_error_impl(const std::string& ticket);
  std::string close_connection_impl(const std::string& ticket);
  bool ticket_is_open_impl(const std::string& ticket);

  // In-process: this instance's calls of one tenant queue here rather than each holding a
  // database connection while it waits on the store's tenant lock (which is what serialises
  // calls across instances).
  std::mutex& tenant_lock(const std::string& ticket);
  std::mutex& tenant_lock(store::TenantId tenant);

  store::Store& store_;
  ServiceOptions options_;
  Clock clock_;
  std::mutex locks_mutex_;
  std::map<store::TenantId, std::unique_ptr<std::mutex>> locks_;
  LoginThrottle throttle_;
  HashGate hash_gate_;
  VerifiedPasswords verified_;
};

}  // namespace qblink::sync

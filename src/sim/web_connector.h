#pragma once
// A QBWC client that drives any QBWC server exactly as the real Web Connector does, and is as
// strict about the answers.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/fake_quickbooks.h"

namespace qblink::sim {

struct WebConnectorOptions {
  std::string url;  // the AppURL, e.g. http://127.0.0.1:8080/qbwc
  // Further instances of the same service. When set, each SOAP call goes to the next server of
  // {url, more_urls...} in turn, as a round-robin load balancer in front of them would send it;
  // a server that refuses the connection is skipped for that call (the request never reached
  // it, so a balancer retries it elsewhere). The turn carries over from session to session.
  std::vector<std::string> more_urls;
  std::string user;
  std::string password;
  std::string owner_id;  // from the .qwc; empty = none
  std::string client_version = "2.3.0.215";
  int latency_ms = 0;  // QuickBooks slow: added per request processed
  // Lose the Nth response (1-based, counted over this WebConnector's lifetime) after QuickBooks
  // applied it: the connection drops before receiveResponseXML.
  std::optional<int> drop_response_at;
  bool company_not_open = false;  // opening the company fails -> connectionError
  bool verify_tls = false;
  std::string ca_file;           // with verify_tls; empty = the system's
  int noop_pause_ms = 5000;      // getLastError "NoOp": QBWC waits 5 s (PG p.72); tests use 0
  int max_round_trips = 10'000;  // sendRequestXML calls in one session before declaring a loop
  // Test seam: called after QuickBooks processed the `request` that the server at index `server`
  // (0 = url, i = more_urls[i - 1]) handed out, before its response goes back (e.g. to kill
  // that server in between).
  std::function<void(const std::string& request, std::size_t server)> after_quickbooks;
};

struct CallRecord {
  std::string method;      // "authenticate", "sendRequestXML", ...
  std::string request;     // a short summary of what was sent
  std::string outcome;     // a short summary of the answer, or "error: ..."
  std::size_t server = 0;  // which server the call went to: 0 = url, i = more_urls[i - 1]
};

struct SessionResult {
  // False when the session failed: a protocol error (a non-conforming answer, HTTP or network
  // failure), nvu, clientVersion E:/O:, the company not opened, or a lost connection.
  bool ok = false;
  std::string error;  // starts with the method at fault, e.g. "authenticate (QBWC1012): ..."
  // The failure is the one the options asked for (drop_response_at, company_not_open and the
  // server answering connectionError "done"), not the server's fault.
  bool fault_injected = false;
  std::vector<CallRecord> calls;
  std::string close_message;            // closeConnection's answer
  std::string last_error;               // getLastError's answer, if called
  std::size_t requests_sent = 0;        // message sets passed to QuickBooks
  bool nothing_to_do = false;           // authenticate answered "none"
  std::string auth_status;              // authenticate's [1]: "", a company path, none, nvu, busy
  std::optional<int> postpone_seconds;  // authenticate's [2]
  std::optional<int> min_run_every_seconds;  // authenticate's [3]
  std::vector<std::string> warnings;         // clientVersion "W:" texts, oddities worth a look
};

class WebConnector {
 public:
  WebConnector(WebConnectorOptions options, FakeQuickBooks& quickbooks);
  // One scheduled update: serverVersion ... closeConnection, in QBWC's order (qbwc-protocol.md
  // §1). Decided from the Guide where captures are silent: none/nvu/busy and a postponed update
  // still get closeConnection (PG p.21); connectionError "done" ends the session without
  // closeConnection, and a server that never says "done" is given up on after 3 calls (PG p.51);
  // sendRequestXML "NoOp" is treated like "" (getLastError follows, PG p.80); getLastError "NoOp"
  // pauses noop_pause_ms and asks sendRequestXML again, after "" and after a negative percentage
  // alike. QuickBooks' session is ended on every path. Never throws.
  SessionResult run_session();

 private:
  WebConnectorOptions options_;
  FakeQuickBooks& qb_;
  int responses_seen_ = 0;
  std::size_t next_server_ = 0;  // the round-robin turn over {url, more_urls...}
};

}  // namespace qblink::sim

#pragma once
// A QBWC client that drives any QBWC server exactly as the real Web Connector does, and is as
// strict about the answers.
#include <optional>
#include <string>
#include <vector>

#include "sim/fake_quickbooks.h"

namespace qblink::sim {

struct WebConnectorOptions {
  std::string url;                          // the AppURL, e.g. http://127.0.0.1:8080/qbwc
  std::string user;
  std::string password;
  std::string owner_id;                     // from the .qwc; empty = none
  std::string client_version = "2.3.0.215";
  int latency_ms = 0;                       // QuickBooks slow: added per request processed
  std::optional<int> drop_response_at;      // lose the Nth response (1-based) after QuickBooks applied it
  bool company_not_open = false;            // opening the company fails -> connectionError
  bool verify_tls = false;
};

struct CallRecord {
  std::string method;   // "authenticate", "sendRequestXML", ...
  std::string request;  // a short summary of what was sent
  std::string outcome;  // a short summary of the answer
};

struct SessionResult {
  bool ok = false;                  // false on a protocol error (the message says which)
  std::string error;
  std::vector<CallRecord> calls;
  std::string close_message;        // closeConnection's answer
  std::string last_error;           // getLastError's answer, if called
  std::size_t requests_sent = 0;    // message sets passed to QuickBooks
  bool nothing_to_do = false;       // authenticate answered "none"
};

class WebConnector {
 public:
  WebConnector(WebConnectorOptions options, FakeQuickBooks& quickbooks);
  // One scheduled update: serverVersion ... closeConnection.
  SessionResult run_session();

 private:
  WebConnectorOptions options_;
  FakeQuickBooks& qb_;
  int responses_seen_ = 0;
};

}  // namespace qblink::sim
